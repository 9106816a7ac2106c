"""An encoder adapter is served as it was trained: its settings are saved beside it and read back.

``encoder.json`` in the adapter folder (written by ``kgrec.finetune.dense``)::

    {"layers": 8, "max_query_tokens": 128, "max_card_tokens": 128, "pooling": "mean",
     "item_side": "table", "item_text": "document", "hidden_size": 576}

``item_side`` says where the catalog's vectors come from: ``"frozen"`` the untuned encoder's
index of the item texts (the first adapters), ``"shared"`` the tuned encoder itself (LoRA on
both sides), ``"table"`` the learned item table shipped as ``items.npz`` beside the adapter
(plain arrays: ids, unit vectors, the standardization's mean and scale), so serving builds no
index. An adapter folder without ``encoder.json`` is read from its ``train_config.yaml``
(``dense_layers``), else the defaults. Whatever does not fit the model is one ``KgrecError``.

    >>> AdapterSettings().item_side
    'frozen'
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from kgrec.kg.errors import KgrecError

ITEM_SIDES = ("frozen", "shared", "table")
ITEM_TEXTS = ("card", "document")
POOLINGS = ("mean",)  # mean over the real tokens but the first (kgrec.agent.encoder.pool)
SETTINGS_FILE, TABLE_FILE = "encoder.json", "items.npz"


@dataclass(frozen=True)
class AdapterSettings:
    """What the adapter was trained with (``kgrec.agent.encoder.EncoderConfig`` fields and the item side)."""

    layers: int = 8
    max_query_tokens: int = 128
    max_card_tokens: int = 64
    pooling: str = "mean"
    item_side: str = "frozen"
    item_text: str = "card"
    hidden_size: int | None = field(default=None, metadata={"help": "the model's width the adapter was trained at"})

    def __post_init__(self):
        for name in ("layers", "max_query_tokens", "max_card_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise KgrecError(f"encoder settings: {name}={value!r}: expected an integer >= 1")
        for name, options in (("pooling", POOLINGS), ("item_side", ITEM_SIDES), ("item_text", ITEM_TEXTS)):
            if getattr(self, name) not in options:
                raise KgrecError(f"encoder settings: {name}={getattr(self, name)!r}: expected one of {options}")

    def encoder_config(self, batch_size: int = 32):
        from kgrec.agent.config import EncoderConfig

        return EncoderConfig(layers=self.layers, max_query_tokens=self.max_query_tokens,
                             max_card_tokens=self.max_card_tokens, batch_size=batch_size)

    def save(self, folder: Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / SETTINGS_FILE).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")


def read_settings(folder: Path | None) -> AdapterSettings:
    """The settings saved with the adapter in ``folder`` (``None``: no adapter, the defaults)."""
    if folder is None:
        return AdapterSettings()
    path = Path(folder) / SETTINGS_FILE
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise KgrecError(f"{path}: unreadable encoder settings ({type(e).__name__}); retrain or restore it") from e
        known = {f.name for f in fields(AdapterSettings)}
        if not isinstance(data, dict) or set(data) - known:
            extra = sorted(set(data) - known) if isinstance(data, dict) else type(data).__name__
            raise KgrecError(f"{path}: unknown encoder settings {extra}; expected keys among {sorted(known)}")
        return AdapterSettings(**data)
    trained = Path(folder) / "train_config.yaml"
    if trained.exists():  # adapters from before encoder.json: their layer count was in the run's config
        import yaml

        data = yaml.safe_load(trained.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("dense_layers"), int):
            return AdapterSettings(layers=data["dense_layers"])
    return AdapterSettings()


def check_fit(settings: AdapterSettings, folder: Path, model_layers: int, hidden_size: int | None = None) -> None:
    """``KgrecError`` when the adapter in ``folder`` cannot run on a model of this depth and width."""
    if settings.layers > model_layers:
        raise KgrecError(f"adapter {folder}: trained on the first {settings.layers} layers; "
                         f"the model has only {model_layers}")
    if None not in (settings.hidden_size, hidden_size) and settings.hidden_size != hidden_size:
        raise KgrecError(f"adapter {folder}: trained at width {settings.hidden_size}; the model's is {hidden_size}")
    config = Path(folder) / "adapter_config.json"
    try:
        tuned = json.loads(config.read_text(encoding="utf-8")).get("layers_to_transform") or []
    except (OSError, ValueError) as e:
        raise KgrecError(f"adapter {folder}: unreadable adapter_config.json ({type(e).__name__})") from e
    tuned = [tuned] if isinstance(tuned, int) else tuned
    if tuned and max(tuned) >= settings.layers:
        raise KgrecError(f"adapter {folder}: tunes layer {max(tuned)}, above the encoder's {settings.layers} layers")


def save_table(folder: Path, index) -> None:
    """The learned item table (an ``kgrec.agent.encoder.DenseIndex``, with its liked-movie vectors when it has
    them) beside the adapter, float16 to stay small."""
    import numpy as np

    from kgrec.agent.dense_index import DenseIndex

    half = [None if a is None else a.astype(np.float16) for a in (index.liked_query, index.liked_item)]
    DenseIndex(index.items, index.vectors.astype(np.float16), index.mean, index.scale, *half).save(Path(folder) / TABLE_FILE)


def table_index(folder: Path, items, encode_missing):
    """The shipped item table of the adapter in ``folder``, restricted to ``items``; items it lacks
    (a graph grown since training) get ``encode_missing(ids)``'s raw vectors, standardized like the table,
    and no liked-movie vectors (zero rows: nothing learned about them)."""
    import numpy as np

    from kgrec.agent.dense_index import DenseIndex, _unit

    path = Path(folder) / TABLE_FILE
    try:
        table = DenseIndex.load(path)
    except (OSError, ValueError, KeyError, EOFError) as e:
        raise KgrecError(f"{path}: unreadable item table ({type(e).__name__}); retrain or restore the adapter") from e
    row = {int(n): i for i, n in enumerate(table.items)}
    keep = [i for i in items if int(i) in row]
    vectors = _unit(table.vectors[[row[int(i)] for i in keep]].astype(np.float32))
    missing = [i for i in items if int(i) not in row]
    liked = [None, None]
    if table.liked_query is not None:
        liked = [np.concatenate([a[[row[int(i)] for i in keep]].astype(np.float32),
                                 np.zeros((len(missing), a.shape[1]), np.float32)]) for a in (table.liked_query, table.liked_item)]
    if missing:
        vectors = np.concatenate([vectors, table.query(encode_missing(missing))])
    return DenseIndex(np.asarray(keep + missing, dtype=np.int64), vectors, table.mean, table.scale, *liked)

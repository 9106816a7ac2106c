"""The language model as a dense encoder: conversations and KG item cards in one vector space.

The encoder runs the first ``EncoderConfig.layers`` transformer layers of the causal LM (a hook
stops the forward pass there), mean-pools the token states (the first token is left out: in
these models it is an attention sink whose huge activations would swamp every vector), and
standardizes each dimension by the catalog's mean and spread before the cosine. The catalog's
vectors (:class:`DenseIndex`) are built once from ``kgrec.kg.query.verbalize.card`` and cached as ``.npz``
under ``kgrec.kg.locations.cache_dir()/dense``, keyed by the model, its adapter, the encoder settings
and the cards' text: a change to any of them builds a new index.

    >>> EncoderConfig(layers=8).max_query_tokens
    128
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path

import networkx as nx
import numpy as np
import torch

from kgrec.agent import nearest
from kgrec.agent.config import EncoderConfig  # noqa: F401  (kgrec.agent.encoder.EncoderConfig, as before)
from kgrec.agent.dense_index import DenseIndex
from kgrec.kg.errors import KgrecError
from kgrec.kg.locations import cache_dir
from kgrec.kg.query.retrieval import admissible
from kgrec.kg.query.verbalize import card
from kgrec.kg.schema import Candidate, Constraints


class _Stop(Exception):
    """Raised by the hook on the last layer run: nothing above it is computed."""


def decoder_layers(model) -> Sequence[torch.nn.Module]:
    """The transformer blocks of a (peft-wrapped) causal LM."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    inner = getattr(base, "model", base)
    layers = getattr(inner, "layers", None)
    if layers is None:
        raise KgrecError(f"{type(base).__name__}: no decoder layers found (expected model.model.layers)")
    return layers


class _PassThrough(torch.nn.Module):
    """Stands in for a layer whose output is already given (``Encoder.upper``)."""

    def forward(self, hidden_states, *args, **kwargs):
        return hidden_states


class _skipping:
    """Within it, the model's first ``n`` layers pass their input on unchanged."""

    def __init__(self, model, n: int):
        self.layers, self.n = decoder_layers(model), n
        self.saved: list[torch.nn.Module] = []

    def __enter__(self):
        self.saved = [self.layers[i] for i in range(self.n)]
        for i in range(self.n):
            self.layers[i] = _PassThrough()
        return self

    def __exit__(self, *exc):
        for i, layer in enumerate(self.saved):
            self.layers[i] = layer
        return False


class Encoder:
    """Mean-pooled hidden states of the first ``config.layers`` layers of ``model``."""

    def __init__(self, model, tokenizer, config: EncoderConfig = EncoderConfig()):
        layers = decoder_layers(model)
        if config.layers > len(layers):
            raise KgrecError(f"EncoderConfig.layers={config.layers}: the model has only {len(layers)} layers")
        self.model, self.tokenizer, self.config = model, tokenizer, config

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def _batch(self, texts: Sequence[str], max_tokens: int, head: bool = False) -> dict[str, torch.Tensor]:
        """Padded token ids; a long text keeps its end (a conversation's newest part), or with
        ``head`` its start (an item text's title and facts)."""
        rows = [self.tokenizer(t, add_special_tokens=False)["input_ids"] or [self.tokenizer.eos_token_id]
                for t in texts]
        rows = [r[:max_tokens] if head else r[-max_tokens:] for r in rows]
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id or 0
        ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        return {"input_ids": ids, "attention_mask": mask}

    def hidden(self, batch: dict[str, torch.Tensor], upto: int | None = None) -> torch.Tensor:
        """(B, T, H) states after the last layer run (``upto``: after that many layers instead).

        ``batch`` may carry ``inputs_embeds`` (with ``from_layer`` > 0: states after that many
        layers, see :meth:`lower`) instead of ``input_ids``; then only the layers above run.
        """
        upto = self.config.layers if upto is None else upto
        if upto == 0:
            return self.model.get_input_embeddings()(batch["input_ids"])
        caught: list[torch.Tensor] = []

        def hook(module, args, output):
            caught.append(output[0] if isinstance(output, tuple) else output)
            raise _Stop

        batch = dict(batch)
        start = batch.pop("from_layer", 0)
        handle = decoder_layers(self.model)[upto - 1].register_forward_hook(hook)
        try:
            with _skipping(self.model, start):
                self.model(**batch, use_cache=False)
        except _Stop:
            pass
        finally:
            handle.remove()
        return caught[0]

    def lower(self, texts: Sequence[str], upto: int, max_tokens: int | None = None,
              head: bool = False) -> list[torch.Tensor]:
        """Each text's (T, H) states after the first ``upto`` layers, its padding cut off: computed
        once, they let :meth:`upper` run only the layers above (the frozen part of a LoRA that
        tunes the top layers only). A causal LM's real tokens never see the right padding, so a
        text's states do not depend on its batch."""
        out = []
        with torch.no_grad():
            for start in range(0, len(texts), self.config.batch_size):
                batch = self._batch(texts[start:start + self.config.batch_size],
                                    max_tokens or self.config.max_query_tokens, head)
                states = self.hidden(batch, upto)
                out += [s[:int(m.sum())].clone() for s, m in zip(states, batch["attention_mask"])]
        return out

    def upper(self, lowered: Sequence[torch.Tensor], from_layer: int) -> torch.Tensor:
        """(B, H) pooled vectors of texts whose :meth:`lower` states (after ``from_layer`` layers)
        are given: the layers above run, with gradients when the caller wants them."""
        width = max(len(s) for s in lowered)
        states = torch.zeros(len(lowered), width, lowered[0].shape[-1], dtype=lowered[0].dtype, device=self.device)
        mask = torch.zeros(len(lowered), width, dtype=torch.long, device=self.device)
        for i, s in enumerate(lowered):
            states[i, :len(s)], mask[i, :len(s)] = s, 1
        return pool(self.hidden({"inputs_embeds": states, "attention_mask": mask, "from_layer": from_layer}), mask)

    @torch.inference_mode()
    def embed(self, texts: Sequence[str], max_tokens: int, progress: Callable[[Iterable], Iterable] = iter,
              head: bool = False) -> np.ndarray:
        """(len(texts), H) float32 mean-pooled vectors; batches group texts of similar length."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), 0), dtype=np.float32)
        size = self.config.batch_size
        for start in progress(range(0, len(order), size)):
            chosen = order[start:start + size]
            batch = self._batch([texts[i] for i in chosen], max_tokens, head)
            vectors = pool(self.hidden(batch), batch["attention_mask"]).float().cpu().numpy()
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chosen] = vectors
        return out


def pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over each row's real tokens but the first (the attention sink); a 1-token row keeps it."""
    weights = mask.clone().float()
    weights[:, 0] = torch.where(mask.sum(1) > 1, 0.0, weights[:, 0])
    return (states * weights.unsqueeze(-1)).sum(1) / weights.sum(1, keepdim=True).clamp(min=1.0)


def index_key(model_id: str, config: EncoderConfig, cards: Sequence[str]) -> str:
    """What an index depends on, hashed: the model and adapter (``model_id``), the settings, the cards."""
    digest = hashlib.sha256(f"{model_id}|{sorted(asdict(config).items())}|head".encode())  # texts keep their start
    for text in cards:
        digest.update(text.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def item_texts(G: nx.MultiDiGraph, items: Sequence[int], kind: str = "card") -> list[str]:
    """What the encoder reads for each item: its KG ``"card"`` (``kgrec.kg.query.verbalize.card``, names only)
    or its ``"document"`` (``kgrec.kg.query.documents.document``: facts, themes and premise)."""
    if kind == "document":
        try:
            from kgrec.kg.query.documents import document
        except ImportError:  # a tree without item documents yet: the card stands in
            document = card
        return [document(G, n) for n in items]
    if kind != "card":
        raise KgrecError(f"item text {kind!r}: expected 'card' or 'document'")
    return [card(G, n) for n in items]


def build_index(encoder: Encoder, G: nx.MultiDiGraph, items: Sequence[int], model_id: str, *,
                folder: Path | None = None, progress: Callable[[Iterable], Iterable] = iter,
                text: str = "card") -> DenseIndex:
    """The index of ``items`` (their ``item_texts`` of kind ``text``): loaded from the cache when this
    model, adapter, config and texts were indexed before, else built (~4 min for the 6,281 movies'
    cards on 2 cores at 8 layers) and saved. ``model_id`` names the model and its adapter."""
    texts = item_texts(G, items, text)
    path = (folder or cache_dir() / "dense") / f"index-{index_key(model_id, encoder.config, texts)}.npz"
    if path.exists():
        try:
            return DenseIndex.load(path)
        except (OSError, ValueError, KeyError, EOFError):
            path.unlink(missing_ok=True)  # a damaged cache file is rebuilt, never trusted
    index = DenseIndex.from_raw(items, encoder.embed(texts, encoder.config.max_card_tokens, progress, head=True))
    index.save(path)
    return index


def model_id(model, adapter: Path | None = None) -> str:
    """The base model's content (SHA-256 of its weights, never its path) and, with an adapter, its
    weights' SHA-256 prefix: a moved cache or another checkout reuses an index, changed weights do not."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    digest = hashlib.sha256(type(base).__name__.encode())
    for name, tensor in sorted(base.state_dict().items()):
        digest.update(f"{name}{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    name = f"{type(base).__name__}@{digest.hexdigest()[:16]}"
    if adapter is None:
        return name
    weights = sorted(Path(adapter).glob("adapter_model.*"))
    digest = hashlib.sha256(weights[0].read_bytes()).hexdigest()[:12] if weights else "no-weights"
    return f"{name}+adapter@{digest}"


def dense_candidates(G: nx.MultiDiGraph, index: DenseIndex, raw_query: np.ndarray,
                     constraints: Constraints = Constraints(), k: int = 100,
                     allowed: frozenset[int] | None = None, liked: Sequence[int] = ()) -> list[Candidate]:
    """The ``k`` catalog items nearest ``raw_query`` that meet ``constraints`` (over the whole catalog:
    the exact matrix product, or above ``nearest.ANN_ABOVE`` items an IVF index, ``kgrec.agent.nearest``;
    ``allowed``: those items, when the turn decided them already, ``kgrec.kg.query.retrieval.Allowed.items``;
    ``liked``: the conversation's liked items, whose liked-movie vectors join the query when the
    index has them, ``DenseIndex.scores``).

    Scores are the score minus the first score not taken, so the list's scores are > 0 and
    ``kgrec.kg.query.retrieval.fuse`` can divide by the best one.
    """
    allowed = admissible(G, constraints).items if allowed is None else allowed
    rows = index.rows(liked) if index.liked_query is not None else []
    near = nearest.candidates(index, raw_query, allowed, k, liked_rows=rows)  # an IVF index above nearest.ANN_ABOVE items
    if near is not None:
        return [Candidate(item, score, ("dense",)) for item, score in near]
    sims = index.scores(raw_query, rows)
    taken: list[tuple[int, float]] = []
    floor = float(sims.min()) - 1e-3
    for i in np.argsort(-sims, kind="stable"):
        item = int(index.items[i])
        if item not in allowed:
            continue
        if len(taken) == k:
            floor = float(sims[i])
            break
        taken.append((item, float(sims[i])))
    return [Candidate(item, round(sim - floor + 1e-6, 6), ("dense",)) for item, sim in taken]


class DenseRetriever:
    """The conversation's nearest catalog items: the ``"dense"`` list that ``kgrec.kg.query.retrieval.fuse`` joins.

    One forward pass of the conversation (the encoder's layers only) and one matrix product over
    the whole catalog per turn (an IVF index above ``nearest.ANN_ABOVE`` items); the hard filters
    cut the whole catalog first, so a narrow constraint still gets answers. Sessions share it; one conversation is encoded at a time.
    """

    def __init__(self, encoder: Encoder, index: DenseIndex):
        import threading

        self.encoder, self.index, self._lock = encoder, index, threading.Lock()

    def vector(self, text: str) -> np.ndarray:
        return self.vectors([text])[0]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), H): the texts encoded as conversations are, in batches."""
        with self._lock:
            return self.encoder.embed(list(texts), self.encoder.config.max_query_tokens)

    def candidates(self, G: nx.MultiDiGraph, text: str, constraints: Constraints = Constraints(),
                   k: int = 200, allowed: frozenset[int] | None = None, liked: Sequence[int] = ()) -> list[Candidate]:
        """The ``k`` best items for the conversation ``text`` (``kgrec.agent.ranking.query_text``) under
        ``constraints`` (``allowed``: the items they admit, when decided already; ``liked``: the
        conversation's liked items, read through the adapter's liked-movie vectors when it has them)."""
        return dense_candidates(G, self.index, self.vector(text), constraints, k, allowed, liked)


def load_dense(G: nx.MultiDiGraph, model, adapter: Path | None, config: EncoderConfig | None = None, *,
               folder: Path | None = None, progress: Callable[[Iterable], Iterable] = iter) -> DenseRetriever:
    """The encoder of ``model`` (an ``kgrec.agent.config.ModelConfig``; only its lowest layers are loaded)
    with the dense ``adapter``, served as trained (``kgrec.agent.encoder_settings``: layers, lengths, item
    side). The catalog's vectors: the adapter's item table when it ships one, else an index built
    by the untuned encoder ("frozen") or the tuned one ("shared"), cached (~4 min the first time).
    ``config`` overrides the saved settings (tests; ``None``: as trained)."""
    from dataclasses import replace as _replace

    from kgrec.agent.encoder_settings import TABLE_FILE, check_fit, read_settings, table_index
    from kgrec.agent.llm import attach_adapter, load_base
    from kgrec.kg.graph import catalog

    settings = read_settings(adapter)
    config = config or settings.encoder_config()
    depth = model_depth(model)
    if adapter is not None:
        check_fit(settings, adapter, depth)
    if config.layers > depth:
        raise KgrecError(f"encoder layers={config.layers}: the model has only {depth} layers")
    base, tokenizer = load_base(_replace(model, adapter=None), layers=config.layers)
    if adapter is not None:
        check_fit(settings, adapter, depth, base.config.hidden_size)
    untuned, items = Encoder(base, tokenizer, config), catalog(G)
    if adapter is not None and settings.item_side == "table" and (Path(adapter) / TABLE_FILE).exists():
        index = table_index(adapter, items, lambda ids: untuned.embed(
            item_texts(G, ids, settings.item_text), config.max_card_tokens, head=True))
    elif settings.item_side != "shared" or adapter is None:  # items are the untuned encoder's
        index = build_index(untuned, G, items, model_id(base), folder=folder, progress=progress, text=settings.item_text)
    tuned = attach_adapter(base, adapter).eval() if adapter is not None else base
    encoder = Encoder(tuned, tokenizer, config)
    if adapter is not None and settings.item_side == "shared":
        index = build_index(encoder, G, items, model_id(base, adapter), folder=folder, progress=progress,
                            text=settings.item_text)
    nearest.ann(index)  # a large catalog's IVF index, built here rather than in the first turn
    return DenseRetriever(encoder, index)


def model_depth(model) -> int:
    """The transformer layers of the model of ``model`` (an ``kgrec.agent.config.ModelConfig``), from its config."""
    from transformers import AutoConfig

    from kgrec.agent.llm import resolve_model

    source, download = resolve_model(model)
    try:
        return int(AutoConfig.from_pretrained(source, local_files_only=not download).num_hidden_layers)
    except (OSError, ValueError, AttributeError) as e:
        raise KgrecError(f"model {model.model!r}: no readable config ({type(e).__name__})") from e

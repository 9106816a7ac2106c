"""Everything the first message would otherwise wait for, done before it: ``warmup(config, progress)``.

One function, called by ``kgrec prepare`` (after ``make`` installs; it fills the caches) and by the
chat page at server start (it loads them, and reports what it does to the page's status line).
It goes through the agent's own loaders, in the order a turn needs them, so it stays right when
one of them changes: the graph (``kgrec.kg.storage.registry.load_graph``: the movie KG's cache), the float copy
of the embedded model (``kgrec.agent.llm.resolve_model``), the dense encoder and its catalog index
(``Recommender.load_dense``: built once per model, adapter, graph and encoder settings, by
content), the ranking model and its adapter (``Recommender.lm``), the link index
(``Recommender.link_index``) and the themes' vectors (``Recommender.theme_linker``) and, last, one real turn (the first forward passes are the slow ones).

With the real model and KG (not run as a doctest)::

    recommender = warmup(AgentConfig(), progress=print)
    # step 1/6: loading the knowledge graph
    # ...
    # step 3/6: loading the dense encoder and the catalog's index: 40/197
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kgrec.agent.config import AgentConfig


@dataclass(frozen=True)
class Progress:
    """Where the warm-up is: step ``step`` of ``steps`` (``what``), ``done`` of ``total`` units in it."""

    step: int
    steps: int
    what: str
    done: int = 0
    total: int | None = None  # None: this step reports no units (it is one call)
    elapsed_s: float = 0.0  # since the warm-up began

    def __post_init__(self):
        if not 1 <= self.step <= self.steps:
            raise ValueError(f"Progress.step={self.step}: expected 1..{self.steps}")

    @property
    def fraction(self) -> float:
        """The whole warm-up's share done, 0..1 (steps count equally; units split their step)."""
        inside = self.done / self.total if self.total else 0.0
        return min(1.0, (self.step - 1 + inside) / self.steps)

    def __str__(self) -> str:
        units = f": {self.done}/{self.total}" if self.total else ""
        return f"step {self.step}/{self.steps}: {self.what}{units}"


def _quiet(progress: Progress) -> None:
    return None


#: (what the page says, what runs); each takes the recommender and a units callback
STEPS: tuple[tuple[str, Callable], ...] = (
    ("loading the knowledge graph", lambda r, units: r.graph),
    ("preparing the language model (the embedded one is made float once)",
     lambda r, units: _resolve(r.config)),
    ("loading the dense encoder and the catalog's index (built once)",
     lambda r, units: r.load_dense(progress=units)),
    ("loading the language model and its adapter", lambda r, units: r.lm),
    ("indexing titles, people, genres and themes", lambda r, units: _index(r)),
    ("answering a first test message", lambda r, units: _first_turn(r)),
)


def _resolve(config: AgentConfig) -> None:
    from kgrec.agent.llm import resolve_model

    resolve_model(config.model)


def _index(recommender) -> None:
    """The link index, and the themes' vectors for a request that names none ("something festive")."""
    recommender.link_index
    if recommender.theme_linker is not None:
        recommender.theme_linker.vectors()


def _first_turn(recommender) -> None:
    """One real turn on a throw-away session: the model's and encoder's first calls are slow."""
    from kgrec.agent.replies import nouns

    recommender.respond(recommender.new_session(), f"I loved {nouns(recommender.graph)['example']}")


#: libraries' loggers whose notices at load time tell a user nothing they can act on
#: (bitsandbytes: no CPU kernel offline; kernels: no publisher check offline)
QUIET_LOGGERS = ("transformers", "peft", "bitsandbytes", "kernels")


def quiet_libraries() -> None:
    """The libraries' own progress bars ("Loading weights", "Converting and de-quantizing GGUF tensors")
    and load-time notices off, for good: the warm-up's steps are the progress a user sees."""
    import logging
    import warnings

    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)


def warmup(config: AgentConfig | None = None, progress: Callable[[Progress], None] = _quiet, *,
           recommender=None):
    """The ``Recommender`` of ``config`` with everything a turn needs loaded (caches filled on first
    use); ``progress`` hears each step and each batch of a long one. ``recommender``: warm this one.
    The libraries' own bars and notices go quiet (``quiet_libraries``)."""
    from kgrec.agent.recommender import Recommender

    quiet_libraries()
    recommender = recommender if recommender is not None else Recommender(config)
    start = time.monotonic()
    for step, (what, run) in enumerate(STEPS, 1):
        def report(done: int = 0, total: int | None = None, step=step, what=what) -> None:
            progress(Progress(step, len(STEPS), what, done, total, time.monotonic() - start))

        report()
        run(recommender, lambda batches, report=report: _counted(batches, report))
    return recommender


def _counted(batches: Iterable, report: Callable[[int, int | None], None]) -> Iterator:
    """``batches``, telling ``report`` how many are done (of ``len(batches)`` where it has one)."""
    total = len(batches) if hasattr(batches, "__len__") else None
    for done, batch in enumerate(batches):
        report(done, total)
        yield batch
    report(total or 0, total)

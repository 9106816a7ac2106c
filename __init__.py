"""kgrec: an offline conversational recommender grounded in a movie knowledge graph.

The Python API (names are imported on first use)::

    from kgrec import Recommender, AgentConfig
    rec = Recommender(AgentConfig())          # the graph and the model load on first use
    session = rec.new_session()
    print(rec.respond(session, "I loved Police Academy").text)

The sub-packages are the folders at the top of the repository: ``kgrec.kg`` (the graph:
``kgrec.kg.sources`` builds it, ``kgrec.kg.storage`` keeps it, ``kgrec.kg.query`` answers from it), ``kgrec.agent``
(the recommender), ``kgrec.ui`` (the chat page), ``kgrec.finetune``, ``kgrec.evaluation``,
``kgrec.bench`` and ``kgrec.prompts``; the ``kgrec`` command is ``kgrec.kgrec_cli``.
"""
from importlib import import_module

_EXPORTS = {
    "Recommender": "kgrec.agent.recommender",
    "Session": "kgrec.agent.recommender",
    "AgentConfig": "kgrec.agent.config",
    "ModelConfig": "kgrec.agent.config",
    "Reply": "kgrec.agent.types",
    "RecommendedItem": "kgrec.agent.types",
    "Preferences": "kgrec.agent.types",
    "KgrecError": "kgrec.kg.errors"
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kgrec' has no attribute {name!r}")

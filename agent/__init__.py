"""agent: the conversational recommender (sessions, the turn's steps, explanations) over a kgrec KG.

    >>> from kgrec import Recommender, AgentConfig
    >>> rec = Recommender(AgentConfig())            # graph and model load on first use

Names are imported on first access, so ``import kgrec.agent.llm`` does not pull in the KG tools.
"""

# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.agent":
    raise ImportError(f"import kgrec.agent, not {__name__} (pip install -e . installs it as kgrec.agent)")
from importlib import import_module

_EXPORTS = {
    "AgentConfig": "kgrec.agent.config", "Recommender": "kgrec.agent.recommender", "Session": "kgrec.agent.recommender",
    "check_explanation": "kgrec.agent.explain", "Explanation": "kgrec.agent.types", "Preferences": "kgrec.agent.types",
    "Ranked": "kgrec.agent.types", "RecommendedItem": "kgrec.agent.types", "Reply": "kgrec.agent.types", "Step": "kgrec.agent.steps",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kgrec.agent' has no attribute {name!r}")

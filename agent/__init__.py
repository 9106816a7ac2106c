"""agent: the conversational recommender (sessions, the turn's steps, explanations) over a kgrec KG.

    >>> from agent import Recommender, AgentConfig
    >>> rec = Recommender(AgentConfig())            # graph and model load on first use

Names are imported on first access, so ``import agent.llm`` does not pull in the KG tools.
"""
from importlib import import_module

_EXPORTS = {
    "AgentConfig": "agent.config", "Recommender": "agent.recommender", "Session": "agent.recommender",
    "check_explanation": "agent.explain", "Explanation": "agent.types", "Preferences": "agent.types",
    "Ranked": "agent.types", "RecommendedItem": "agent.types", "Reply": "agent.types", "Step": "agent.steps",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'agent' has no attribute {name!r}")

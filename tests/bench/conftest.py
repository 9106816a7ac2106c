"""Fixtures of the bench tests: the tiny graph of ``eval_graph``."""
import networkx as nx
import pytest

from eval_graph import tiny_graph


@pytest.fixture
def tiny() -> nx.MultiDiGraph:
    return tiny_graph()

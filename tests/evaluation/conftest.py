"""Fixtures of the bench tests: the tiny graph of ``bench_graph``."""
import networkx as nx
import pytest

from bench_graph import tiny_graph


@pytest.fixture
def tiny() -> nx.MultiDiGraph:
    return tiny_graph()

"""The model's prompts in the graph's nouns: byte-identical to the trained text for movies, no
"movie" for books (the shipped LoRA adapter was trained on the movie text, through kgrec.agent.ranking)."""
import hashlib

import networkx as nx
import pytest

from kgrec.agent import replies
from kgrec.agent.ranking import FORMULATIONS, RankConfig, RankContext, rank_prompt
from tests.agent.conftest import BIG, PA, SHINING, TOY, UP, ScriptedLM, agent_graph

#: sha256 of each prompt as the code before the noun placeholders rendered it (commit acc1599)
MOVIE_SHA256 = {
    "title": "fff273a6f0ffaa4e5ff8a125a7303685072ab9d5ebc0ada689df1c4afa78ab59",
    "yesno": "acb600a391b37b0def939aca5d907235df9b279b95165f9f750d75fa4458b350",
    "listwise": "8acec02e52f5dac366a59c5e92bc6f9a25a4cbf168dda60304e5ebcb9f02b60b",
    "action.txt": "016c21e98b4a823f8aebc2af554b3b90e0afa3b5898294c1c13ad2b7647e7386",
    "explain.txt": "ecbfe4c0cb2e45ec3bcc15f7ec97e5f07d1c44b80f340d7fcbaebb7f0a6d9700",
}
# braces in the conversation must reach the prompt as written, not be read as placeholders
CONTEXT = RankContext(liked=(PA, UP), disliked=(SHINING,), text="User: I loved Police Academy {x}\nRecommender: ok")


def prompts_of(G):
    """Every prompt the model sees, rendered for ``G``: the three rank formulations, action, explain."""
    lm = ScriptedLM()
    found = {f: rank_prompt(lm, G, CONTEXT, RankConfig(formulation=f), [TOY, BIG] if f == "listwise" else ())
             for f in FORMULATIONS}
    return found | {name: replies.prompt(name, G) for name in ("action.txt", "explain.txt")}


def book_graph():
    """The agent tests' graph with its items called books (same ids, so the same context)."""
    G = nx.MultiDiGraph(agent_graph())
    G.graph["domain_noun"] = "book"
    for n in G:
        if G.nodes[n]["type"] == "movie":
            G.nodes[n]["type"] = "book"
    return G


@pytest.mark.parametrize("graph", [agent_graph, lambda: None], ids=["movie graph", "no graph"])
def test_movie_prompts_are_byte_identical_to_the_trained_text(graph):
    G = graph()
    if G is None:  # only the files without graph data render without a graph
        rendered = {name: replies.prompt(name) for name in ("action.txt", "explain.txt")}
    else:
        rendered = prompts_of(G)
    for name, text in rendered.items():
        assert hashlib.sha256(text.encode()).hexdigest() == MOVIE_SHA256[name], name


def test_movie_prompts_keep_their_first_lines():
    rendered = prompts_of(agent_graph())
    assert rendered["action.txt"].startswith(
        "You are a movie recommender that works with tools over a knowledge graph of movies.\n")
    assert "Recommend one movie." in rendered["title"] and "{x}" in rendered["title"]


def test_book_prompts_say_book_and_never_movie():
    rendered = prompts_of(book_graph())
    for name, text in rendered.items():
        assert "movie" not in text.lower() and "film" not in text.lower(), name
        assert "book" in text, name
    assert "knowledge graph of books" in rendered["action.txt"]
    assert "Recommend one book." in rendered["title"]

"""The cached movie KG: the full pipeline, the cache key, the catalog."""
import networkx as nx
import pytest

from kgrec.kg.graph import catalog
from kgrec.kg.query import remention
from kgrec.kg.storage.graph_file import load_graph, save_graph
from kgrec.kg.storage.store import CACHE_PREFIX, cache_key, load_movie_graph
from kgrec.kg.comentions import co_mentions


def test_catalog_is_sorted_items_only():
    G = nx.MultiDiGraph()
    G.add_node(5, item=True)
    G.add_node(2, item=True)
    G.add_node(3, item=False)
    G.add_node(9)
    assert catalog(G) == [2, 5]


def test_cache_key_changes_with_input_bytes(tmp_path):
    import shutil

    from kgrec.kg.locations import data_dir

    shutil.copytree(data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns("test*"))
    before = cache_key(tmp_path / "data")
    path = tmp_path / "data" / "genres" / "movie_genres.tsv"
    path.write_bytes(path.read_bytes() + b"\n")
    assert cache_key(tmp_path / "data") != before


@pytest.mark.slow
def test_full_graph_is_cached_and_complete(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path))
    (tmp_path / f"{CACHE_PREFIX}0123456789abcdef.pkl").write_bytes(b"an old pickle cache")
    G = load_movie_graph()
    [cache] = tmp_path.glob(f"{CACHE_PREFIX}*")  # the old pickle is gone
    assert cache.suffix == ".npz"
    again = load_movie_graph()
    assert nx.utils.graphs_equal(G, again) and again.graph["collaborative"] == G.graph["collaborative"]
    assert capsys.readouterr().err == ""
    assert len(catalog(G)) == 6281
    comedy = next(n for n, d in G.nodes(data=True) if d["type"] == "genre" and d["name"] == "comedy")
    [police] = [n for n, d in G.nodes(data=True) if d.get("title") == "Police Academy (1984)"]
    assert G.has_edge(police, comedy, "genre") and G.nodes[police]["year"] == 1984
    popular = max(catalog(G), key=lambda n: G.nodes[n]["popularity"])
    assert G.nodes[popular]["popularity"] > 10
    assert len(co_mentions(G).row(popular)[0]) and co_mentions(G).row(popular)[1].min() >= 1
    # every train conversation, one each, valid's never (kgrec kg stats says so)
    assert G.graph["trained_on"] == ("redial/train.jsonl + redial/train_mentions.jsonl (9,661 conversations: 3,813 "
                                     "dialogues with text, 5,848 as mentions only; valid's 300 excluded)")
    assert len(G.graph["collaborative"].items) > 4000
    prior = remention.graph_prior(again)  # counted on the dialogues' turns, kept in the cache
    assert 0 < prior.liked < prior.last < 0.2 and "of 3,813 redial/train.jsonl dialogues" in again.graph[remention.SOURCE_KEY]


@pytest.mark.slow
def test_a_corrupt_or_empty_cache_is_rebuilt_with_a_one_line_notice(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KGREC_CACHE", str(tmp_path))
    cache = tmp_path / f"{CACHE_PREFIX}{cache_key()}.npz"
    cache.write_bytes(b"\x80\x04 torn")
    assert len(catalog(load_movie_graph())) == 6281
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(cache) in err and "rebuilding it" in err
    save_graph(nx.MultiDiGraph(), cache)  # a readable graph with nothing to recommend
    assert len(catalog(load_movie_graph())) == 6281
    assert "(no catalog items); rebuilding it" in capsys.readouterr().err
    assert len(catalog(load_graph(cache))) == 6281  # the rebuilt cache replaced it


def test_the_shipped_weights_are_a_tuning_file_read_as_an_imported_graphs():
    """``data/tuning.json`` is the one place of the shipped KG's fusion weights: the movie graph gets
    them through ``kgrec.kg.storage.registry.apply_tuning``, the writer an imported graph's ``tuning.json`` goes through."""
    import networkx as nx

    from kgrec.kg.locations import data_dir
    from kgrec.kg.query.retrieval import FusionWeights, graph_weights
    from kgrec.kg.storage.registry import read_tuning
    from kgrec.kg.storage.store import _weighted

    shipped = FusionWeights(**read_tuning(data_dir())["weights"])
    G = _weighted(nx.MultiDiGraph())
    assert graph_weights(G) == shipped and shipped != FusionWeights()
    assert graph_weights(_weighted(nx.MultiDiGraph(fusion_weights={"walk": 2.0}))).walk == 2.0  # its own stand

"""Ratings-style data, leave one out (``kgrec eval ratings``): which retriever finds a user's held-out liked item.

The data are users and the items they rated: an interactions CSV (``user,item`` + ``rating`` or
``like``, ``kgrec.kg.sources.importer.read_interactions``; item ids as the graph was imported with) or, by default,
the ReDial seekers' own questionnaire answers (:func:`redial_ratings`: one user per seeker worker,
over the train and valid dialogues; the test split is never read).

Users are split, seeded, into train and test users. Popularity, co-mention edges and the EASE model
are rebuilt from the **train users only** (``kgrec.evaluation.tune_graph``). Each test user with at least
two liked items hides one of them (seeded); the other liked items are the query, and everything else
the user rated is excluded from the ranking. Scores: hit rate at 10 (one hidden item, so Recall@10),
NDCG@10, and how much of a system's top 10 is popularity's top 10 (1.0: it collapsed to
popularity). ``item-knn`` is the plain baseline (cosine between items over the train users' likes);
``walk``, ``comention`` and ``collaborative`` are ``kgrec.kg.query.retrieval``'s retrievers from the query
(the walk as ``kgrec.kg.query.retrieval.walk_config`` sets it for the graph; ``walk by counts`` weighs co-mentions by
their counts, as before ratings data), and ``fused`` is ``kgrec.kg.query.retrieval.fuse`` of them with the graph's weights.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from kgrec.evaluation.metrics import ndcg_at_k, recall_at_k
from kgrec.kg.sources.interactions import Session

K = 10
SYSTEMS = ("popularity", "item-knn", "walk", "walk by counts", "comention", "collaborative", "fused")


@dataclass(frozen=True)
class Case:
    """One test user: the liked items they show, the one they hide, and all they rated."""

    query: tuple[int, ...]
    hidden: int
    rated: frozenset[int]


def redial_ratings(G: nx.MultiDiGraph, files=("redial/train.jsonl", "redial/valid.jsonl")) -> list[Session]:
    """One session per ReDial seeker (``initiatorWorkerId``): the movies they answered "liked" 1 or 0
    about in the train and valid dialogues' questionnaires (their last answer counts), on ``G``'s items."""
    from kgrec.kg.locations import data_dir
    from kgrec.kg.sources.redial import load_dialogues, redial_to_node

    to_node = redial_to_node(G)
    answers: dict[str, dict[int, bool]] = defaultdict(dict)
    for name in files:
        for d in load_dialogues(data_dir() / name):
            for movie, a in (d.get("initiatorQuestions") or {}).items():
                if a.get("liked") in (0, 1) and int(movie) in to_node:
                    answers[str(d["initiatorWorkerId"])][to_node[int(movie)]] = a["liked"] == 1
    return [Session(tuple(v), frozenset(i for i, p in v.items() if p)) for _, v in sorted(answers.items())]


def folds(sessions: list[Session], n: int = 5, seed: int = 0) -> list[tuple[list[Session], list[Case]]]:
    """``n`` folds of users: each fold's train users and its test users' cases, so every user is a
    test user once (one with fewer than two liked items is not a case)."""
    rng = random.Random(seed)
    order = list(range(len(sessions)))
    rng.shuffle(order)
    out = []
    for f in range(n):
        test = set(order[f::n])
        cases = []
        for i in sorted(test):
            s = sessions[i]
            liked = [item for item in s.items if item in s.positive]
            if len(liked) >= 2:
                hidden = rng.choice(liked)
                cases.append(Case(tuple(x for x in liked if x != hidden), hidden, frozenset(s.items)))
        out.append(([s for i, s in enumerate(sessions) if i not in test], cases))
    return out


def train_graph(G: nx.MultiDiGraph, train: list[Session]) -> nx.MultiDiGraph:
    """``G``'s knowledge with interactions (popularity, co-mentions, EASE on likes) from ``train`` only."""
    from kgrec.evaluation.tune_graph import uncached, without_interactions
    from kgrec.kg.query import collaborative
    from kgrec.kg.sources.importer import liked
    from kgrec.kg.sources.interactions import add_interactions

    H = without_interactions(G)
    add_interactions(H, train, source="train users")
    collaborative.add_collaborative(H, liked(train))
    return uncached(H)


def item_knn(train: list[Session], items: list[int]) -> tuple[dict[int, int], np.ndarray]:
    """Cosine similarity between items over the train users' liked items: (row of item, (I, I))."""
    row = {item: r for r, item in enumerate(items)}
    X = np.zeros((len(train), len(items)), dtype=np.float32)  # (U, I)
    for u, s in enumerate(train):
        X[u, [row[i] for i in s.positive if i in row]] = 1.0
    norms = np.sqrt(X.sum(axis=0))  # (I,)
    sim = (X.T @ X) / np.maximum(np.outer(norms, norms), 1e-9)  # (I, I)
    np.fill_diagonal(sim, 0.0)
    return row, sim


def rankings(H: nx.MultiDiGraph, train: list[Session], cases: list[Case], variants: dict | None = None,
             depth: int = 200) -> dict[str, list[list[int]]]:
    """Each system's ranking for each case (the user's rated items other than the hidden one excluded);
    ``variants``: more fused systems, name -> ``FusionWeights``, fused from the same lists."""
    from kgrec.kg.graph import catalog
    from kgrec.kg.query.retrieval import WalkConfig, candidate_lists, from_seeds, fuse, graph_weights, popular
    from kgrec.kg.schema import Constraints

    fused = {"fused": graph_weights(H)} | (variants or {})
    items = list(catalog(H))
    row, sim = item_knn(train, items)
    out: dict[str, list[list[int]]] = {name: [] for name in (*SYSTEMS, *fused)}
    for case in cases:
        c = Constraints(exclude=frozenset(case.rated - {case.hidden}))
        lists = candidate_lists(H, case.query, c, depth)
        for name in ("walk", "comention", "collaborative"):
            out[name].append([x.item for x in lists[name]])
        out["walk by counts"].append([x.item for x in from_seeds(H, case.query, c, depth, WalkConfig(co_mention="count"))])
        for name, weights in fused.items():
            out[name].append([x.item for x in fuse(lists, weights, depth)])
        out["popularity"].append([x.item for x in popular(H, c, depth)])
        scores = sim[[row[i] for i in case.query if i in row]].sum(axis=0)  # (I,)
        ranked = [items[r] for r in np.argsort(-scores, kind="stable") if scores[r] > 0]
        out["item-knn"].append([i for i in ranked if i not in c.exclude][:depth])
    return out


def scores(ranked: dict[str, list[list[int]]], cases: list[Case]) -> dict[str, dict[str, float]]:
    """HR@10, NDCG@10 and the share of the top 10 that is popularity's, per system."""
    labels = [[case.hidden] for case in cases]
    popular_top = [set(r[:K]) for r in ranked["popularity"]]
    table = {}
    for name, rs in ranked.items():
        overlap = [len(set(r[:K]) & p) / K for r, p in zip(rs, popular_top)]
        table[name] = {"hr@10": recall_at_k(rs, labels, K), "ndcg@10": ndcg_at_k(rs, labels, K),
                       "popular@10": float(np.mean(overlap)) if overlap else 0.0}
    return table


def stats(H: nx.MultiDiGraph) -> dict[str, int]:
    """Edge counts by kind: how much of the graph is co-mentions (each pair both ways, as edges were)."""
    from kgrec.kg.comentions import co_mentions

    return {"kg": H.number_of_edges(), "co_mentioned": len(co_mentions(H))}


def csv_ratings(G: nx.MultiDiGraph, path) -> list[Session]:
    """The users of an interactions CSV whose item ids are ``G``'s (as imported: an item's ``uri``, or its node id)."""
    from kgrec.kg.graph import catalog
    from kgrec.kg.sources.importer import read_interactions

    items = {str(n): n for n in catalog(G)} | {str(G.nodes[n].get("uri")): n for n in catalog(G) if G.nodes[n].get("uri")}
    return read_interactions(path, items)


def evaluate(G: nx.MultiDiGraph, sessions: list[Session], n_folds: int = 5, seed: int = 0,
             variants: dict | None = None) -> dict:
    """Every system over all folds' cases: ``{"table": {system: scores}, "cases": n, ...}``.

    ``variants``: more fused systems, name -> ``FusionWeights`` (e.g. with the collaborative weight on).
    """
    from kgrec.evaluation.metrics import bootstrap_recall

    ranked: dict[str, list[list[int]]] = defaultdict(list)
    cases: list[Case] = []
    edges = Counter()
    for train, fold_cases in folds(sessions, n_folds, seed):
        H = train_graph(G, train)
        edges.update(stats(H))
        for name, rs in rankings(H, train, fold_cases, variants).items():
            ranked[name] += rs
        cases += fold_cases
    table = scores(dict(ranked), cases)
    labels = [[c.hidden] for c in cases]
    for name, row in table.items():
        row["hr@10 95% CI"] = bootstrap_recall(ranked[name], labels, K, seed=seed)
    return {"table": table, "cases": len(cases), "users": len(sessions),
            "items": len({i for s in sessions for i in s.items}), "ratings": sum(len(s.items) for s in sessions),
            "edges per fold": {k: v // n_folds for k, v in edges.items()}}


def markdown(result: dict, source: str, command: str) -> str:
    """The results as a Markdown table with what they were measured on."""
    lines = [f"# Ratings leave-one-out: {source}", "", f"`{command}`", "",
             f"{result['users']:,} users, {result['items']:,} items, {result['ratings']:,} ratings; "
             f"{result['cases']:,} cases (one hidden liked item per user with two or more). Edges per fold: "
             + ", ".join(f"{k} {v:,}" for k, v in result["edges per fold"].items()) + ".", "",
             "| system | HR@10 | 95% CI | NDCG@10 | top 10 shared with popularity |", "|---|---|---|---|---|"]
    for name, row in result["table"].items():
        low, high = row["hr@10 95% CI"]
        lines.append(f"| {name} | {row['hr@10']:.3f} | [{low:.3f}, {high:.3f}] | {row['ndcg@10']:.3f} | {row['popular@10']:.2f} |")
    return "\n".join(lines) + "\n"


def add_arguments(parser) -> None:
    parser.add_argument("--graph", default=None, metavar="NAME|DIR", help="the graph (default: the shipped movie KG)")
    parser.add_argument("--ratings", default=None, metavar="CSV",
                        help="user,item,rating|like over the graph's item ids (default: the ReDial seekers' answers)")
    parser.add_argument("--folds", type=int, default=5, help="folds of users; each user is a test user once (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/eval-ratings", help="folder for results.md/.json")


def run(args) -> int:
    import json
    from pathlib import Path

    from kgrec.evaluation.report import command_line
    from kgrec.kg.errors import KgrecError
    from kgrec.kg.files import atomic_write_text
    from kgrec.kg.query.retrieval import graph_weights
    from kgrec.kg.storage.registry import load_graph

    if args.folds < 2:
        raise KgrecError(f"--folds {args.folds}: expected 2 or more")
    G = load_graph(args.graph)
    sessions = csv_ratings(G, args.ratings) if args.ratings else redial_ratings(G)
    if not sessions:
        raise KgrecError(f"no user rated an item of graph {G.graph.get('name')!r}: check the ratings file's item ids")
    collab = replace(graph_weights(G), collaborative=1.0)
    result = evaluate(G, sessions, args.folds, args.seed, {"fused + collaborative": collab})
    source = args.ratings or "ReDial seekers' questionnaire answers (train + valid dialogues)"
    command = command_line(args, "eval ratings", {"graph": None, "ratings": None, "folds": 5, "seed": 0})
    text = markdown(result, source, command)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "results.md", text)
    atomic_write_text(out / "results.json", json.dumps(result, indent=1))
    print(text + f"\nwrote {out / 'results.md'}, {out / 'results.json'}")
    return 0

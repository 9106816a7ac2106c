"""Handlers of ``kgrec kg search | facts | path | candidates`` (argparse lives in ``kg/cli.py``).

Usage:
    kgrec kg search "I loved police acadmy and anything scary"
    kgrec kg facts "Steve Guttenberg"
    kgrec kg path "Police Academy 2" "Police Academy (1984)"
    kgrec kg candidates --like "Police Academy" --genre comedy --year-min 1980 -k 10

Each handler takes the parsed ``args`` and the graph, prints a table and returns the exit
code; an unknown name raises ``NotFoundError`` with the closest matches.
"""
from __future__ import annotations

import argparse
from collections.abc import Collection, Sequence

import networkx as nx

from kgrec.kg.errors import KgrecError, NotFoundError
from kgrec.kg.graph import display
from kgrec.kg.query.linking import LinkIndex, build_link_index, link, lookup
from kgrec.kg.query.paths import explanation_paths, facts_about
from kgrec.kg.query.retrieval import retrieve
from kgrec.kg.query.verbalize import verbalize
from kgrec.kg.schema import Constraints
from kgrec.kg.sources.redial import link_words

MIN_SCORE = 0.7  # a looked-up name closer than this is taken as meant
MAX_FACTS = 60


def print_table(headers: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Left-aligned columns, numbers right-aligned, a rule under the header."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def resolve(index: LinkIndex, name: str, types: Collection[str] | None, what: str) -> int:
    """The node ``name`` means; ``NotFoundError`` (with the closest names) when none is close."""
    if not name or not name.strip():
        raise KgrecError(f"empty {what} name: expected a {what} such as 'Police Academy'")
    found = lookup(index, name, types=types, limit=5)
    if not found or found[0].score < MIN_SCORE:
        raise NotFoundError(what, name, [m.name for m in found])
    return found[0].node


def run_search(args: argparse.Namespace, G: nx.MultiDiGraph) -> int:
    """``kgrec kg search TEXT``: the movies, people and genres a text mentions."""
    mentions = link(build_link_index(G, **link_words(G)), args.text or "")
    if not mentions:
        print(f"no movies, people or genres found in {args.text!r}")
        return 0
    print_table(["id", "type", "name", "matched text", "score"],
                [(m.node, m.type, m.name, m.surface, m.score) for m in mentions])
    return 0


def run_facts(args: argparse.Namespace, G: nx.MultiDiGraph) -> int:
    """``kgrec kg facts NAME``: what the graph knows about a movie, person or genre."""
    node = resolve(build_link_index(G, **link_words(G)), args.name, None, "name")
    data = G.nodes[node]
    facts = facts_about(G, node)
    print(f"{display(G, node)}  [{data.get('type')}, id {node}]  {len(facts)} facts")
    for fact in facts[:MAX_FACTS]:
        print(f"  {verbalize(G, fact)}")
    if len(facts) > MAX_FACTS:
        print(f"  ... and {len(facts) - MAX_FACTS} more")
    return 0


def run_path(args: argparse.Namespace, G: nx.MultiDiGraph) -> int:
    """``kgrec kg path A B``: the shortest informative paths between two names."""
    index = build_link_index(G, **link_words(G))
    a, b = resolve(index, args.a, None, "name"), resolve(index, args.b, None, "name")
    paths = explanation_paths(G, a, [b])
    if not paths:
        print(f"no path of at most 3 hops between {display(G, a)} and {display(G, b)}")
        return 0
    for number, path in enumerate(paths, 1):
        print(f"{number}. {verbalize(G, path)}")
        for fact in path:
            print(f"     {display(G, fact.head)} --{fact.relation}--> {display(G, fact.tail)}")
    return 0


def constraints_from(args: argparse.Namespace, index: LinkIndex, liked: list[int]) -> Constraints:
    """Hard filters from ``--genre/--not-genre/--person/--not-person/--year-min/--year-max``."""
    def nodes(names, types, what):
        return frozenset(resolve(index, n, types, what) for n in _listed(names))

    return Constraints(
        exclude=frozenset(liked),
        genres=nodes(getattr(args, "genre", None), {"genre"}, "genre"),
        not_genres=nodes(getattr(args, "not_genre", None), {"genre"}, "genre"),
        people=nodes(getattr(args, "person", None), {"person"}, "person"),
        not_people=nodes(getattr(args, "not_person", None), {"person"}, "person"),
        year_min=getattr(args, "year_min", None), year_max=getattr(args, "year_max", None))


def _listed(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def run_candidates(args: argparse.Namespace, G: nx.MultiDiGraph) -> int:
    """``kgrec kg candidates --like NAME ...``: retrieved items, each with its best reason."""
    index = build_link_index(G, **link_words(G))
    liked = [resolve(index, n, None, "liked item") for n in _listed(getattr(args, "like", None))]
    constraints = constraints_from(args, index, liked)
    k = getattr(args, "k", 10)
    if k < 1:
        raise KgrecError(f"-k {k}: expected a positive number of candidates")
    candidates = retrieve(G, liked, constraints, k=k)
    if not candidates:
        print("no candidates satisfy these constraints")
        return 0
    rows = []
    for rank, c in enumerate(candidates, 1):
        paths = explanation_paths(G, c.item, liked, limit=1) if liked else []
        why = verbalize(G, paths[0]) if paths else ""
        rows.append((rank, c.item, display(G, c.item), c.score, "+".join(c.sources), why))
    print_table(["#", "id", "title", "score", "from", "why"], rows)
    return 0

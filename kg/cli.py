"""``kgrec kg``: build, inspect and query the knowledge graph.

Usage:
    kgrec kg build                       # rebuild the cached movie KG, print counts and time
    kgrec kg stats                       # nodes by type, edges by relation, genre/year coverage
    kgrec kg search "I loved police academy"
    kgrec kg facts "Steve Guttenberg"
    kgrec kg path "Police Academy" "Three Men and a Baby"
    kgrec kg candidates --like "Police Academy" --genre comedy -k 10
    kgrec kg import --items books.csv --triples books.tsv --interactions ratings.csv --noun book
"""
from __future__ import annotations

import argparse
import importlib
import time
from collections import Counter

#: subcommand -> the handler's name in kg.cli_query (``run_<name>(args, G)``)
QUERIES = ("search", "facts", "path", "candidates")


def graph_stats(G) -> dict:
    """Counts by node type and relation, and the share of items with a genre and a year."""
    items = [n for n, item in G.nodes(data="item") if item]
    with_genre = sum(1 for n in items
                     if any(G.nodes[t].get("type") == "genre" for t in G.successors(n)))
    with_year = sum(1 for n in items if G.nodes[n].get("year") is not None)
    return {
        "name": G.graph.get("name", ""), "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
        "items": len(items),
        "types": Counter(t for _, t in G.nodes(data="type")).most_common(),
        "relations": Counter(k for _, _, k in G.edges(keys=True)).most_common(),
        "genre_coverage": with_genre / len(items) if items else 0.0,
        "year_coverage": with_year / len(items) if items else 0.0,
    }


def print_stats(G) -> None:
    s = graph_stats(G)
    print(f"{s['name']}: {s['nodes']:,} nodes, {s['edges']:,} edges, {s['items']:,} items "
          f"({G.graph.get('domain_noun', 'item')})")
    print(f"items with a genre: {s['genre_coverage']:.1%}   with a year: {s['year_coverage']:.1%}")
    print("nodes by type:")
    for kind, count in s["types"]:
        print(f"  {kind:<20}{count:>9,}")
    print("edges by relation:")
    for relation, count in s["relations"]:
        print(f"  {relation:<20}{count:>9,}")


def run_build(args: argparse.Namespace) -> int:
    from kg.store import load_movie_graph

    start = time.perf_counter()
    G = load_movie_graph(rebuild=True)
    print(f"built {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges in "
          f"{time.perf_counter() - start:.1f} s (cached for the next load)")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from kg.store import load_movie_graph

    print_stats(load_movie_graph())
    return 0


def run_import(args: argparse.Namespace) -> int:
    from kg.importer import import_graph

    G = import_graph(args.items, args.triples, args.interactions,
                     domain_noun=args.noun, name=args.name)
    print_stats(G)
    return 0


def run_query(args: argparse.Namespace) -> int:
    from kg.errors import KgrecError
    from kg.store import load_movie_graph

    try:
        cli_query = importlib.import_module("kg.cli_query")
    except ModuleNotFoundError as e:
        if e.name != "kg.cli_query":
            raise
        raise KgrecError(f"'kgrec kg {args.query}' is not available in this version") from e

    handler = getattr(cli_query, f"run_{args.query}")
    return int(handler(args, load_movie_graph()) or 0)


def _add_queries(sub) -> None:
    p = sub.add_parser("search", help="movies, people and genres a text mentions")
    p.add_argument("text", help="free text, e.g. 'something like Police Academy'")
    p = sub.add_parser("facts", help="the facts the KG holds about a name")
    p.add_argument("name", help="a movie, person or genre")
    p = sub.add_parser("path", help="short explanation paths between two names")
    p.add_argument("a")
    p.add_argument("b")
    p = sub.add_parser("candidates", help="retrieve candidate items")
    p.add_argument("--like", action="append", default=[], metavar="NAME", help="a liked item (repeatable)")
    p.add_argument("--genre", action="append", default=[], metavar="G", help="required genre (any of)")
    p.add_argument("--not-genre", action="append", default=[], metavar="G", help="excluded genre")
    p.add_argument("--person", action="append", default=[], metavar="P", help="required person (all of)")
    p.add_argument("--not-person", action="append", default=[], metavar="P", help="excluded person")
    p.add_argument("--year-min", type=int, default=None, metavar="Y")
    p.add_argument("--year-max", type=int, default=None, metavar="Y")
    p.add_argument("-k", type=int, default=10, help="how many (default 10)")
    for name in QUERIES:
        sub.choices[name].set_defaults(func=run_query, query=name)


def register(subparsers) -> None:
    parser = subparsers.add_parser("kg", help="build, inspect and query the knowledge graph",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="kg_command", required=True)
    sub.add_parser("build", help="rebuild the cached movie KG").set_defaults(func=run_build)
    sub.add_parser("stats", help="counts by node type and relation").set_defaults(func=run_stats)
    p = sub.add_parser("import", help="build a KG of any domain from three files and print its stats")
    p.add_argument("--items", required=True, help="CSV: id,name[,year,genre,...]")
    p.add_argument("--triples", default=None, help="TSV: head, relation, tail")
    p.add_argument("--interactions", default=None, help="CSV: user,item,rating|like")
    p.add_argument("--noun", default="item", help="what an item is, e.g. book (default: item)")
    p.add_argument("--name", default=None, help="graph name (default: the items file's stem)")
    p.set_defaults(func=run_import)
    _add_queries(sub)

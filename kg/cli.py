"""``kgrec kg``: build, inspect and query the knowledge graph.

Usage:
    kgrec kg build                       # rebuild the cached movie KG, print counts and time
    kgrec kg stats                       # nodes by type, edges by relation, genre/year/document coverage
    kgrec kg search "I loved police academy"
    kgrec kg facts "Steve Guttenberg"
    kgrec kg path "Police Academy" "Three Men and a Baby"
    kgrec kg candidates --like "Police Academy" --genre comedy -k 10
    kgrec kg import --items books.csv --triples books.tsv --interactions ratings.csv --noun book --name books
    kgrec kg import --unicrs DIR --dialogues train=DIR/train.jsonl --dialogues valid=DIR/valid.jsonl --name inspired
    kgrec kg list                        # installed graphs (name, noun, items, nodes, source)
    kgrec kg candidates --graph books --like "Dune"     # every query takes --graph NAME|DIR
"""
from __future__ import annotations

import argparse
import importlib
import time
from collections import Counter

#: subcommand -> the handler's name in kgrec.kg.cli_query (``run_<name>(args, G)``)
QUERIES = ("search", "facts", "path", "candidates")


def graph_stats(G) -> dict:
    """Counts by node type and relation, the share of items with a genre and a year, and what the
    interaction knowledge and the re-mention prior were learned from."""
    from kgrec.kg.comentions import co_mentions
    from kgrec.kg.query import documents, remention
    from kgrec.kg.schema import CO_MENTIONED

    items = [n for n, item in G.nodes(data="item") if item]
    with_genre = sum(1 for n in items
                     if any(G.nodes[t].get("type") == "genre" for t in G.successors(n)))
    with_year = sum(1 for n in items if G.nodes[n].get("year") is not None)
    return {
        "name": G.graph.get("name", ""), "nodes": G.number_of_nodes(), "edges": G.number_of_edges() + len(co_mentions(G)),
        "items": len(items),
        "types": Counter(t for _, t in G.nodes(data="type")).most_common(),
        "relations": (Counter(k for _, _, k in G.edges(keys=True)) + Counter({CO_MENTIONED: len(co_mentions(G))})).most_common(),
        "genre_coverage": with_genre / len(items) if items else 0.0,
        "year_coverage": with_year / len(items) if items else 0.0,
        "trained_on": G.graph.get("trained_on", ""),  # popularity, co-mentions, EASE
        "remention": G.graph.get(remention.GRAPH_KEY), "remention_trained_on": G.graph.get(remention.SOURCE_KEY, ""),
        "documents": documents.coverage(G),
    }


def print_stats(G) -> None:
    s = graph_stats(G)
    print(f"{s['name']}: {s['nodes']:,} nodes, {s['edges']:,} edges, {s['items']:,} items "
          f"({G.graph.get('domain_noun', 'item')})")
    print(f"items with a genre: {s['genre_coverage']:.1%}   with a year: {s['year_coverage']:.1%}")
    d = s["documents"]
    share = (lambda n: f"{n:,} ({n / d['items']:.1%})") if d["items"] else str
    print(f"documents: items with a premise {share(d['with_premise'])}, with themes {share(d['with_themes'])}; "
          f"{d['themes']:,} themes")
    print(f"popularity, co-mentions and EASE learned from: {s['trained_on'] or 'no interactions'}")
    if s["remention"]:
        rates = ", ".join(f"{role} {rate:.3f}" for role, rate in s["remention"].items())
        print(f"re-mention prior ({rates}) counted on: {s['remention_trained_on'] or 'tuning'}")
    print("nodes by type:")
    for kind, count in s["types"]:
        print(f"  {kind:<20}{count:>9,}")
    print("edges by relation:")
    for relation, count in s["relations"]:
        print(f"  {relation:<20}{count:>9,}")


def _documents(G, path) -> str:
    """Premises and themes of a UniCRS graph's items from ``path`` (``kgrec.kg.sources.import_documents``), as a note."""
    from kgrec.kg.sources.import_documents import add_documents

    matched, missed, edges = add_documents(G, path)
    return (f"--descriptions {path}: {matched:,} rows matched a catalog item by URI or id, {missed:,} did not "
            f"(skipped); {edges:,} has_theme edges")


def run_build(args: argparse.Namespace) -> int:
    from kgrec.kg.storage.store import load_movie_graph

    start = time.perf_counter()
    G = load_movie_graph(rebuild=True)
    print(f"built {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges in "
          f"{time.perf_counter() - start:.1f} s (cached for the next load)")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from kgrec.kg.storage.registry import load_graph

    print_stats(load_graph(args.graph))
    return 0


def pairs(values: list[str], flag: str, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    """``["a=b", ...]`` -> ``{"a": "b"}``; a malformed pair or unknown key is a user error."""
    from kgrec.kg.errors import KgrecError

    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip() or (keys and key.strip() not in keys):
            expected = f"KEY=VALUE with KEY one of {', '.join(keys)}" if keys else "KEY=VALUE"
            raise KgrecError(f"{flag} {value!r}: expected {expected}")
        out[key.strip()] = rest.strip()
    return out


def run_import(args: argparse.Namespace) -> int:
    """``kgrec kg import``; a catalog too large for this machine's memory is one error line, and
    nothing is saved (the graph is written only once complete, ``kgrec.kg.files.atomic_write``)."""
    from kgrec.kg.errors import KgrecError

    try:
        return _import(args)
    except MemoryError as e:
        detail = f"{type(e).__name__}: {str(e).strip()[:200]}" if str(e).strip() else type(e).__name__
        raise KgrecError(f"importing {args.items or args.unicrs} needed more memory than this machine "
                         f"allows ({detail}); nothing was saved. See docs/scaling.md "
                         f"for what each stage needs per catalog size") from e


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kgrec.kg.errors import KgrecError
    from kgrec.kg.storage import registry

    types = pairs(args.relation_type, "--relation-type")
    dialogues = pairs(args.dialogues, "--dialogues", registry.TURN_SPLITS)
    if bool(args.items) == bool(args.unicrs):
        raise KgrecError("kgrec kg import: expected exactly one of --items FILE or --unicrs DIR")
    if args.unicrs:
        from kgrec.kg.sources.import_unicrs import import_unicrs

        imported = import_unicrs(args.unicrs, dialogues, noun=args.noun or "movie", name=args.name,
                                 relation_types=types)
        G, turns, notes = imported.graph, imported.turns, list(imported.notes)
        if args.descriptions:
            notes.append(_documents(G, args.descriptions))
        source = f"UniCRS KG {args.unicrs}" + "".join(f", {k} {v}" for k, v in dialogues.items())
    else:
        from kgrec.kg.sources.import_unicrs import add_dialogues
        from kgrec.kg.sources.importer import import_graph

        G = import_graph(args.items, args.triples, args.interactions, domain_noun=args.noun or "item",
                         name=args.name, relation_types=types, descriptions_path=args.descriptions)
        notes = G.graph.pop("import_notes", [])
        if dialogues and args.interactions:
            raise KgrecError("--dialogues and --interactions both give popularity and co-mentions: expected one of them")
        turns, more = add_dialogues(G, dialogues)
        notes += more
        source = ", ".join(str(p) for p in (args.items, args.triples, args.interactions, *dialogues.values()) if p)
    print_stats(G)
    for note in notes:
        print(f"note: {note}")
    if args.out or args.name:
        folder = Path(args.out) if args.out else registry.graphs_dir() / registry.check_name(args.name)
        registry.save_graph(G, folder, source=source, turns=turns)
        use = args.out if args.out else args.name
        print(f"saved to {folder}; use it with --graph {use} (kgrec chat, kgrec kg ..., kgrec eval redial)")
    else:
        print("not saved: give --name NAME (installed) or --out DIR to keep it")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from kgrec.kg.storage import store
    from kgrec.kg.storage.registry import SHIPPED, graph_meta, installed

    source = "shipped: data/redial_kg + data/redial/train.jsonl (the default)"
    built = (store.cache_dir() / f"{store.CACHE_PREFIX}{store.cache_key()}{store.CACHE_SUFFIX}").exists()
    shipped = graph_meta(store.load_movie_graph(), source) if built else {
        "noun": "movie", "items": 0, "nodes": 0, "source": source + "; not built yet (kgrec kg build)"}
    print(f"{'name':<20}{'noun':<8}{'items':>8}{'nodes':>9}  source")
    for meta in [shipped | {"name": SHIPPED, "folder": "built in"}, *installed()]:
        print(f"{meta['name']:<20}{meta.get('noun', '?'):<8}{meta.get('items', 0):>8,}"
              f"{meta.get('nodes', 0):>9,}  {meta.get('source', '')}  [{meta['folder']}]")
    return 0


def run_query(args: argparse.Namespace) -> int:
    from kgrec.kg.errors import KgrecError
    from kgrec.kg.storage.registry import load_graph

    try:
        cli_query = importlib.import_module("kgrec.kg.cli_query")
    except ModuleNotFoundError as e:
        if e.name != "kgrec.kg.cli_query":
            raise
        raise KgrecError(f"'kgrec kg {args.query}' is not available in this version") from e

    handler = getattr(cli_query, f"run_{args.query}")
    return int(handler(args, load_graph(args.graph)) or 0)


def _add_queries(sub) -> None:
    p = sub.add_parser("search", help="items (movies, books, ...), people and genres a text mentions")
    p.add_argument("text", help="free text, e.g. 'something like Police Academy'")
    p = sub.add_parser("facts", help="the facts the KG holds about a name")
    p.add_argument("name", help="an item, person or genre")
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
        add_graph_argument(sub.choices[name])


def add_graph_argument(parser) -> None:
    """``--graph NAME|DIR`` (default: the shipped movie KG); resolved by ``kgrec.kg.storage.registry.load_graph``."""
    parser.add_argument("--graph", default=None, metavar="NAME|DIR",
                        help="an installed graph (kgrec kg list) or a graph folder (default: the shipped movie KG)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("kg", help="build, inspect and query the knowledge graph",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="kg_command", required=True)
    sub.add_parser("build", help="rebuild the cached movie KG").set_defaults(func=run_build)
    p = sub.add_parser("stats", help="counts by node type and relation")
    add_graph_argument(p)
    p.set_defaults(func=run_stats)
    sub.add_parser("list", help="installed graphs").set_defaults(func=run_list)
    p = sub.add_parser("import", help="import a KG of any domain, print its stats and save it (--name/--out)")
    p.add_argument("--items", default=None, help="CSV: id,name[,year,description,theme,genre,...]")
    p.add_argument("--descriptions", default=None, help="CSV: id,description (an item's premise, for its document); "
                   "with --unicrs also the id's URI, a theme column, or a documents JSONL (uri, premise, themes)")
    p.add_argument("--triples", default=None, help="TSV (or .csv): head, relation, tail")
    p.add_argument("--interactions", default=None, help="sessions, items in order: CSV user,item[,order][,rating|like] "
                   "or JSONL {\"session\": ID, \"items\": [[ITEM, 1|0|null], ...]}")
    p.add_argument("--unicrs", default=None, metavar="DIR",
                   help="a UniCRS/CRSLab KG folder (dbpedia_subkg.json, entity2id.json, relation2id.json, item_ids.json)")
    p.add_argument("--dialogues", action="append", default=[], metavar="SPLIT=FILE",
                   help="train=FILE (popularity, co-mentions, EASE; turns) or valid=FILE (turns); "
                        "utterances name items in movie_link (URIs, or the items file's ids)")
    p.add_argument("--relation-type", action="append", default=[], metavar="REL=TYPE",
                   help="type the tails of a relation, e.g. musicComposer=person (repeatable)")
    p.add_argument("--noun", default=None, help="what an item is, e.g. book (default: item; movie with --unicrs)")
    p.add_argument("--name", default=None, help="graph name; saves it under the installed graphs")
    p.add_argument("--out", default=None, metavar="DIR", help="save the graph folder here instead")
    p.set_defaults(func=run_import)
    _add_queries(sub)

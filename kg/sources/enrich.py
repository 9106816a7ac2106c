"""Genres and years for the KG's movies, from Wikipedia's film tables and the CMU corpus.

Two halves:

* the **generator** (run by a developer who has the raw sources; a user has no ``../shared``)
  links KG movies to the sources and writes the small derived file
  ``data/genres/movie_genres.tsv``::

      python -m kgrec.kg.sources.enrich --sources ../shared/data/genres

* the **build step** :func:`add_genres` reads that shipped file and adds broad genre nodes
  (ids from ``DERIVED_ID_BASE``, in the order of :data:`BROAD_GENRES`), ``genre`` edges and
  ``year`` attributes.

Links are made, in order of trust: ``href`` (the Wikipedia page name equals the DBpedia
resource name; a page listed in several years takes the KG's year, else its first, as later
listings are re-releases such as "Jurassic Park 3D" in 2013), ``title+year``, ``title+year±1``,
``title`` (only when the KG has no year and the title is unique in the source). Raw labels map
to broad, user-facing genres by :data:`GENRE_RULES`::

    >>> broad_genres(["Romantic comedy", "Family Film", "Silent film"])
    ['comedy', 'family', 'romance']
"""
from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import networkx as nx

from kgrec.kg.errors import DataFileError
from kgrec.kg.graph import catalog
from kgrec.kg.locations import data_dir
from kgrec.kg.schema import DERIVED_ID_BASE, ITEM_TYPE
from kgrec.kg.sources.build import clean_text, uri_local, with_year

GENRES_FILE = "genres/movie_genres.tsv"
HEADER = ["node", "uri", "year", "genres", "source", "link"]
#: broad genre -> regex over a lower-cased raw label
GENRE_RULES = {
    "action": r"\baction|martial arts|swashbuckler|wuxia|samurai|ninja|chase movie|disaster|spy",
    "adventure": r"adventure|swashbuckler|jungle|sword and s",
    "animation": r"animat|anime|cartoon|stop motion|supermarionation",
    "biography": r"biograph|biopic|hagiograph",
    "comedy": r"comed|comdedy|parody|satire|slapstick|mockumentary|gross.out|stoner|humou?r",
    "crime": r"crime|gangster|heist|caper|\bnoir|detective|buddy cop|master criminal|giallo",
    "documentary": r"documentary|documetary|rockumentary|concert film|mondo film",
    "drama": r"drama|tragedy|kitchen sink|slice of life",
    "family": r"family film|family-oriented|^family$|children",
    "fantasy": r"fantas|fairy tale|sword and sorcery|supernatural|mytholog|heaven",
    "history": r"^historical|^history$|period piece|costume drama|world history|historical epic",
    "holiday": r"christmas|holiday",
    "horror": r"horror|slasher|zombie|creature film|monster|splatter|haunted|werewolf|vampire"
              r"|gothic film|demonic|found footage",
    "musical": r"musical|^music$|^dance$|concert|rockumentary|operetta|film-opera|hip hop"
               r"|punk rock|backstage|singing cowboy|breakdance|^performance$",
    "mystery": r"mystery|whodunit|detective",
    "romance": r"roman|chick flick",
    "science fiction": r"science.?fiction|sci.?fi|cyberpunk|dystopia|time travel|alien"
                       r"|space opera|space western|steampunk|future noir|apocalyptic|doomsday",
    "sports": r"sport|boxing|baseball|auto racing|horse racing",
    "superhero": r"superhero",
    "teen": r"^teen|coming.of.age|school story|juvenile delinquency|beach party",
    "thriller": r"thriller|suspense|spy|conspiracy",
    "war": r"\bwar\b|war film|combat films|cold war|cavalry|foreign legion",
    "western": r"western|northern|singing cowboy|cavalry",
}
BROAD_GENRES = tuple(sorted(GENRE_RULES))
_RULES = [(genre, re.compile(rule)) for genre, rule in GENRE_RULES.items()]


def broad_genres(labels: Iterable[str]) -> list[str]:
    """Sorted broad genres of raw genre labels (labels that match nothing are dropped)."""
    found = {g for label in labels for g, rule in _RULES if rule.search(label.lower().strip())}
    return sorted(found)


def genre_node_ids() -> dict[str, int]:
    """Broad genre name -> its stable node id."""
    return {genre: DERIVED_ID_BASE + i for i, genre in enumerate(BROAD_GENRES)}


def norm_title(title: str) -> str:
    """Title key for matching: no accents, case, punctuation, ``&`` or trailing year."""
    title = re.sub(r"\(\d{4}\)\s*$", "", clean_text(unquote(title)))
    title = unicodedata.normalize("NFKD", title.replace("&", " and ")).lower()
    title = "".join(c for c in title if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", title).split())


# ---------------------------------------------------------------- sources
@dataclass(frozen=True)
class Film:
    """One film of a genre source."""

    title: str
    year: int | None
    labels: tuple[str, ...]
    href: str = ""  # Wikipedia page name, underscores for spaces
    extract: str = ""  # Wikipedia's lead text (read by kgrec.kg.sources.themes for premises; never shipped whole)


def read_wikipedia(folder: Path) -> list[Film]:
    """Films of ``wikipedia_movie_data/movies-*.json``."""
    films = []
    for path in sorted(Path(folder).glob("movies-*.json")):
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            raise DataFileError(path, e.lineno, f"a JSON list of films ({e.msg})") from e
        for row in rows:
            films.append(Film(row.get("title", ""), row.get("year"), tuple(row.get("genres", ())),
                              unicodedata.normalize("NFC", unquote(row.get("href") or "")),
                              row.get("extract") or ""))
    if not films:
        raise DataFileError(folder, None, "movies-*.json files")
    return films


def read_cmu(path: Path) -> list[Film]:
    """Films of the CMU Movie Summary Corpus ``movie.metadata.tsv.gz``."""
    films = []
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
                if len(row) != 9:
                    raise DataFileError(path, line, "9 tab-separated fields")
                year = int(row[3][:4]) if row[3][:4].isdigit() else None
                films.append(Film(row[2], year, tuple(json.loads(row[8] or "{}").values())))
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e})") from e
    return films


# ---------------------------------------------------------------- linking
def _index(films: list[Film]) -> dict[str, list[Film]]:
    by_title = defaultdict(list)
    for film in films:
        by_title[norm_title(film.title)].append(film)
    return by_title


def match(by_title: dict[str, list[Film]], titles: Iterable[str], year: int | None,
          hint: str = "") -> tuple[Film, str] | None:
    """The source film for a KG movie's titles and year, with how it was linked.

    Without a year, only a film (``hint`` "" or "film") with a unique title is linked: a
    franchise, a TV season or a novel named like a film must not take the film's year.
    """
    candidates = {id(f): f for t in titles for f in by_title.get(norm_title(t), ())}
    candidates = list(candidates.values())
    if year is None:
        return (candidates[0], "title") if len(candidates) == 1 and hint in ("", "film") else None
    for method, distance in (("title+year", 0), ("title+year±1", 1)):
        near = [f for f in candidates if f.year is not None and abs(f.year - year) == distance]
        if len(near) == 1:
            return near[0], method
        if len(near) > 1:
            return None  # ambiguous
    return None


def link_movies(G: nx.MultiDiGraph, wikipedia: list[Film], cmu: list[Film]) -> list[dict]:
    """One row per (KG movie, source) link: see :data:`HEADER`."""
    return [{"node": node, "uri": G.nodes[node]["uri"], "year": film.year or "",
             "genres": "|".join(broad_genres(film.labels)), "source": source, "link": method}
            for node, source, film, method in link_films(G, wikipedia, cmu)]


def link_films(G: nx.MultiDiGraph, wikipedia: list[Film], cmu: list[Film]) -> list[tuple[int, str, Film, str]]:
    """``(node, source, film, how)`` for every KG movie linked to a film of a source."""
    by_href: dict[str, list[Film]] = defaultdict(list)  # a page listed in several years: re-releases
    for f in sorted((f for f in wikipedia if f.href), key=lambda f: f.year or 9999):
        by_href[f.href].append(f)
    wiki_titles, cmu_titles = _index(wikipedia), _index(cmu)
    links = []
    for node, data in sorted(G.nodes(data=True)):
        if data.get("type") != ITEM_TYPE:
            continue
        page = unicodedata.normalize("NFC", unquote(uri_local(data["uri"])))
        titles = {data["name"], data.get("title") or data["name"]}
        year = data.get("year")
        wiki = (_first_release(by_href[page], year), "href") if page in by_href else \
            match(wiki_titles, titles, year, data["hint"])
        year = year or (wiki[0].year if wiki else None)  # CMU (2012) by title alone is risky
        for source, found in (("wikipedia", wiki), ("cmu", match(cmu_titles, titles, year, data["hint"]))):
            if found:
                links.append((node, source, *found))
    return links


def _first_release(films: list[Film], year: int | None) -> Film:
    """Of the films a Wikipedia page is listed as (sorted by year), the one of the KG's year
    (±1) if it has one, else the first: later listings are re-releases ("Jurassic Park 3D", 2013)."""
    for distance in (0, 1):
        near = [f for f in films if year is not None and f.year is not None and abs(f.year - year) <= distance]
        if near:
            return near[0]
    return films[0]


def write_rows(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# ---------------------------------------------------------------- build step
def read_genre_rows(path: Path) -> list[tuple[int, dict]]:
    """``(line, row)`` of the shipped TSV; a bad row raises ``DataFileError``."""
    try:
        handle = open(path, encoding="utf-8", newline="")
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror}); regenerate with "
                                        "python -m kgrec.kg.sources.enrich") from e
    with handle:
        reader = csv.reader(handle, delimiter="\t")
        if next(reader, None) != HEADER:
            raise DataFileError(path, 1, f"header {chr(9).join(HEADER)!r}")
        rows = []
        for row in reader:
            ok = (len(row) == len(HEADER) and row[0].isdigit() and (row[2] == "" or row[2].isdigit())
                  and all(g in GENRE_RULES for g in filter(None, row[3].split("|"))))
            if not ok:
                raise DataFileError(path, reader.line_num, "node id, uri, year or '', genres "
                                    f"from {', '.join(BROAD_GENRES)} joined by '|', source, link")
            rows.append((reader.line_num, dict(zip(HEADER, row))))
    return rows


def add_genre_nodes(G: nx.MultiDiGraph) -> dict[str, int]:
    """Add the broad genre nodes; returns name -> node id."""
    ids = genre_node_ids()
    for genre, node in ids.items():
        G.add_node(node, name=genre, type="genre", hint="", uri="")
    return ids


def add_genres(G: nx.MultiDiGraph, path: Path | None = None) -> int:
    """Broad genres and years from the shipped TSV, plus DBpedia's own genre labels (in place).

    Returns the number of ``genre`` edges to broad genres added.
    """
    path = Path(path or data_dir() / GENRES_FILE)
    ids = add_genre_nodes(G)
    before = G.number_of_edges()
    for line, row in read_genre_rows(path):
        node = int(row["node"])
        if node not in G or G.nodes[node].get("uri") != row["uri"]:
            raise DataFileError(path, line, f"node {node} with uri {row['uri']!r} in the KG; "
                                            "regenerate with python -m kgrec.kg.sources.enrich")
        for genre in filter(None, row["genres"].split("|")):
            if not G.has_edge(node, ids[genre], "genre"):
                G.add_edge(node, ids[genre], key="genre", relation="genre", source=row["source"])
        data = G.nodes[node]
        if data.get("year") is None and row["year"]:
            data["year"] = int(row["year"])
            data["title"] = with_year(data.get("title") or data["name"], data["year"])
    _add_dbpedia_genres(G, ids)
    return G.number_of_edges() - before


def _add_dbpedia_genres(G: nx.MultiDiGraph, ids: dict[str, int]) -> None:
    """Map the few DBpedia genre edges of movies (``"Comedy film"``) to broad genres."""
    for head, tail, key in list(G.edges(keys=True)):
        if key == "genre" and tail not in ids.values() and G.nodes[head].get("type") == ITEM_TYPE:
            for genre in broad_genres([G.nodes[tail]["name"]]):
                if not G.has_edge(head, ids[genre], "genre"):
                    G.add_edge(head, ids[genre], key="genre", relation="genre", source="dbpedia")


def genre_coverage(G: nx.MultiDiGraph) -> float:
    """Share of catalog items with at least one broad genre."""
    broad = set(genre_node_ids().values())
    items = catalog(G)
    covered = sum(1 for n in items if any(t in broad for t in G.successors(n)))
    return covered / len(items) if items else 0.0


def sources_parser(prog: str, doc: str, out: Path) -> argparse.ArgumentParser:
    """The flags of a derivation from ``../shared/data/genres`` (``kgrec.kg.sources.enrich``, ``kgrec.kg.sources.themes``)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True,
                        help="folder with wikipedia_movie_data/ and cmu_movie_summary/")
    parser.add_argument("--out", type=Path, default=out)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = sources_parser("python -m kgrec.kg.sources.enrich", __doc__, data_dir() / GENRES_FILE).parse_args(argv)
    from kgrec.kg.sources.build import build_movie_graph

    G = build_movie_graph()
    rows = link_movies(G, read_wikipedia(args.sources / "wikipedia_movie_data"),
                       read_cmu(args.sources / "cmu_movie_summary" / "movie.metadata.tsv.gz"))
    write_rows(rows, args.out)
    add_genres(G, args.out)
    print(f"{len(rows)} links written to {args.out}; items with a genre: {genre_coverage(G):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What movies are about: fine themes and a short premise per KG movie, derived and shipped.

Two halves, as :mod:`kgrec.kg.sources.enrich`:

* the **generator** (a developer with the raw sources) links KG movies to Wikipedia's film
  tables and the CMU Movie Summary metadata (:func:`kgrec.kg.sources.enrich.link_films`) and writes
  ``data/documents/movie_documents.jsonl``::

      python -m kgrec.kg.sources.themes --sources ../shared/data/genres

  A movie's themes come from the sources' raw labels (:data:`THEMES`' first rule: CMU's "Time
  travel", "Zombie Film", "Heist", ...) and from words of its Wikipedia lead (the second rule:
  "dinosaur", "vampire"; the movie's own title is removed first, so "Reservoir Dogs" is not
  about dogs). Its premise is at most two sentences of that lead that say what happens
  (:func:`premise`), never the lead itself.
* the **build step** :func:`add_themes` reads that file: one ``theme`` node per theme (ids from
  ``THEME_ID_BASE``, in the order of :data:`THEME_NAMES`), ``has_theme`` edges, and the
  ``premise`` node attribute::

    >>> text_themes("A paleontologist is chased by cloned dinosaurs on an island.", "")
    ['dinosaurs']
    >>> label_themes(["Time travel", "Comedy", "Zombie Film"])
    ['time travel', 'zombies']
"""
from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kgrec.kg.errors import DataFileError
from kgrec.kg.graph import catalog
from kgrec.kg.locations import data_dir
from kgrec.kg.schema import DERIVED_ID_BASE, HAS_THEME, THEME_TYPE
from kgrec.kg.sources.enrich import Film, link_films, read_cmu, read_wikipedia

DOCUMENTS_FILE = "documents/movie_documents.jsonl"
THEME_ID_BASE = DERIVED_ID_BASE + 1000  # broad genres take DERIVED_ID_BASE + 0..22
#: theme -> (regex over a lower-cased raw source label, regex over the lower-cased Wikipedia lead)
THEMES: dict[str, tuple[str, str]] = {
    "time travel": (r"time travel", r"time[- ]travel|time machine"),
    "zombies": (r"zombie", r"zombie"),
    "vampires": (r"vampire", r"vampire"),
    "werewolves": (r"werewolf", r"werewol"),
    "ghosts": (r"haunted house", r"\bghosts?\b|haunted house|\bhaunting"),
    "demonic possession": (r"demonic", r"exorcis|demonic possession|possessed by"),
    "witches": ("", r"\bwitch(es|craft)?\b"),
    "monsters": (r"creature film|^monster", r"\bmonsters?\b"),
    "dinosaurs": ("", r"dinosaur"),
    "sharks": ("", r"\bsharks?\b"),
    "animal attack": (r"natural horror", ""),
    "aliens": (r"alien film|alien invasion", r"\baliens?\b|extraterrestrial"),
    "space": (r"space opera|space western", r"astronaut|spaceship|spacecraft|space station"
                                             r"|outer space|starship|interstellar|\bgalax"),
    "robots": ("", r"\brobots?\b|\bandroids?\b|\bcyborgs?\b"),
    "artificial intelligence": ("", r"artificial intelligence"),
    "dystopia": (r"dystopia|future noir|cyberpunk", r"dystopi|totalitarian"),
    "post-apocalyptic": (r"apocalyptic|doomsday", r"apocalyp"),
    "disaster": (r"disaster", r"earthquake|tornado|volcan|tsunami|asteroid|meteor"),
    "epidemic": (r"plague", r"epidemic|pandemic|\bvirus\b|outbreak"),
    "heist": (r"heist|caper", r"\bheist|bank robber|\brobbery|\bcaper\b"),
    "courtroom drama": (r"courtroom|legal drama|^legal$", r"courtroom|\bmurder trial|\bon trial\b|legal (drama|thriller)"
                                                          r"|(defense|defence|trial) (attorney|lawyer)"),
    "prison": (r"prison|escape film", r"\bprison|\binmates?\b|penitentiary"),
    "gangsters": (r"gangster|master criminal", r"\bmafia|\bmobsters?\b|\bgangsters?\b|\bthe mob\b"),
    "detectives": (r"detective|whodunit", r"\bdetectives?\b|private investigator|sherlock"),
    "serial killers": ("", r"serial killer"),
    "spies": (r"spy", r"\bspy\b|\bspies\b|secret agent|\bcia\b|\bkgb\b|\bmi6\b|espionage"),
    "assassins": ("", r"assassin|\bhit ?man\b"),
    "kidnapping": ("", r"kidnap|abduct|\bransom\b"),
    "revenge": (r"revenge", r"revenge|vengeance|\bavenge"),
    "drugs": (r"addiction|stoner", r"\bdrug (dealer|lord|cartel|traffick)|cocaine|heroin|marijuana"
                                   r"|\baddict"),
    "terrorism": ("", r"terroris"),
    "conspiracy": (r"conspiracy", r"conspiracy|cover-up"),
    "martial arts": (r"martial arts|wuxia|samurai|ninja|bruceploitation", r"kung fu|martial art|karate"),
    "boxing": (r"boxing", r"\bboxers?\b|\bboxing\b|prizefight"),
    "car racing": (r"auto racing", r"race car|racing driver|\bnascar\b|street rac|drag rac"),
    "horse racing": (r"horse racing", r"racehorse|jockey"),
    "baseball": (r"baseball", r"baseball"),
    "american football": ("", r"\bfootball (team|player|coach)|\bquarterback|\bnfl\b"),
    "basketball": ("", r"basketball"),
    "ice hockey": ("", r"\bhockey"),
    "soccer": ("", r"\bsoccer"),
    "surfing": ("", r"\bsurf(er|ers|ing)\b"),
    "dance": (r"^dance$|breakdance", r"\bdancers?\b|\bballet\b|dance (competition|crew|studio)"),
    "music": (r"^music$|punk rock|rockumentary|hip hop|jukebox", r"\bmusicians?\b|rock band|\bsinger"
                                                                r"|\brappers?\b|\bpianist"),
    "christmas": (r"christmas", r"christmas|santa claus"),
    "road trip": (r"road movie|road-horror", r"road trip|cross-country"),
    "world war ii": ("", r"world war ii|second world war|\bnazis?\b"),
    "vietnam war": ("", r"vietnam war"),
    "cold war": (r"cold war", r"cold war"),
    "anti-war": (r"anti-war", ""),
    "politics": (r"political", r"\bpresidential|\belection\b|\bsenator|\bpolitician|white house"),
    "journalism": (r"journalism|media satire", r"\bjournalists?\b|\breporters?\b|newspaper"),
    "medicine": (r"medical fiction", r"\bhospital|\bsurgeons?\b|\b(a|the|young) (doctor|nurse|physician)\b"),
    "illness": (r"illnesses", r"\bcancer\b|terminally ill|\baids\b|\bleukemia"),
    "mental illness": ("", r"schizophren|mental illness|psychiatric|\basylum\b|mental hospital"),
    "religion": (r"christian film|religious film", r"\bpriests?\b|\bnuns?\b|\bjesus\b|\bchurch\b"),
    "lgbt": (r"lgbt|^gay$|gay themed|gay interest|new queer", r"\bgay\b|\blesbian|homosexual"
                                                              r"|transgender"),
    "coming of age": (r"coming.of.age", r"coming[- ]of[- ]age"),
    "high school": (r"school story", r"high school"),
    "college": ("", r"\bcollege\b|\bfraternity|university student"),
    "wedding": ("", r"\bwedding"),
    "marriage": (r"marriage drama", r"\bmarriage\b|\bdivorce"),
    "family life": (r"family drama|domestic comedy", r"\bfamily reunion|dysfunctional family"),
    "friendship": (r"buddy film|buddy picture|female buddy", r"\bfriendship\b|\bbest friends?\b"),
    "buddy cop": (r"buddy cop", r"\bpartnered with|\bmismatched partners"),
    "workplace": (r"workplace", r"\bcoworkers?\b|\bco-workers?\b|\boffice workers?\b"),
    "animals": (r"animal picture|^animals$", r"\b(his|her|their|a|the) (dog|puppy|horse|cat|pet)\b"),
    "fairy tales": (r"fairy tale", r"fairy tale|\bprincess"),
    "mythology": (r"mytholog|sword and sandal|gladiator", r"mytholog|greek god|\bgladiators?\b"),
    "magic": (r"sword and sorcery", r"\bmagic|\bwizards?\b|\bsorcer"),
    "dragons": ("", r"\bdragons?\b"),
    "pirates": (r"swashbuckler", r"\bpirates?\b"),
    "treasure hunt": ("", r"\btreasure\b"),
    "jungle": (r"jungle", r"\bjungle"),
    "survival": ("", r"\bstranded\b|\bsurvival\b|castaway|deserted island"),
    "planes": (r"airplanes", r"\bairplane|\bairliner|\bplane crash|(fighter|airline|bush) pilot|\bhijack"),
    "submarines": ("", r"submarine"),
    "bikers": (r"biker", r"motorcycle"),
    "video games": ("", r"video game|arcade game"),
    "computers and hackers": (r"computers", r"\bhackers?\b|\bhacking\b|cyberspace"),
    "gambling": ("", r"gambl|casino|\bpoker\b"),
    "cooking": ("", r"\bchefs?\b|\bcooking\b|\brestaurant"),
    "toys": ("", r"\btoys?\b"),
    "clowns": ("", r"\bclowns?\b"),
    "amnesia": ("", r"amnesia|memory loss|loses (his|her) memory"),
    "body swap": ("", r"body swap|swap bodies|switch bodies|swaps bodies"),
    "true story": (r"docudrama", r"based on (a |the )?true (story|events)|based on real events"
                                 r"|true story"),
    "based on a book": ("", r"based on (the |a )?([\w'-]+ ){0,6}(novel|book|novella)\b"),
    "teachers": ("", r"\bteachers?\b"),
    "cult classic": (r"^cult$", r"cult (film|classic|following)"),
    "dark comedy": (r"black comedy", r"black comedy|dark comedy"),
    "parody": (r"parody|spoof", r"\bparody|\bspoof"),
    "psychological thriller": (r"psychological (thriller|horror)", r"psychological (thriller|horror)"),
    "found footage": (r"found footage", r"found[- ]footage"),
    "slasher": (r"slasher|splatter", r"\bslasher"),
    "mockumentary": (r"mockumentary", r"mockumentary"),
    "stand-up comedy": (r"stand-up comedy", r"stand-up comed"),
}
THEME_NAMES = tuple(THEMES)
#: how "X ... theme" reads where "X is about <theme>" would not (the theme node's ``reads``)
THEME_READS = {
    "heist": "is about a heist", "courtroom drama": "is a courtroom drama",
    "road trip": "is about a road trip", "disaster": "is about a disaster",
    "epidemic": "is about an epidemic", "wedding": "is about a wedding",
    "treasure hunt": "is about a treasure hunt", "body swap": "is about a body swap",
    "jungle": "is set in the jungle", "space": "is set in space", "christmas": "is set at Christmas",
    "world war ii": "is set in World War II", "vietnam war": "is set in the Vietnam War",
    "cold war": "is set in the Cold War", "anti-war": "is an anti-war film", "lgbt": "is about LGBT lives",
    "high school": "is set in high school", "college": "is set in college",
    "coming of age": "is a coming-of-age story", "true story": "is based on a true story",
    "based on a book": "is based on a book", "cult classic": "is a cult classic",
    "dark comedy": "is a dark comedy", "parody": "is a parody",
    "psychological thriller": "is a psychological thriller", "slasher": "is a slasher film",
    "found footage": "is a found-footage film", "mockumentary": "is a mockumentary",
    "stand-up comedy": "is a stand-up comedy film", "buddy cop": "is a buddy-cop film",
    "post-apocalyptic": "is set after the apocalypse", "dystopia": "is set in a dystopia",
    "martial arts": "is about martial arts", "animal attack": "is about an animal attack",
}
_LABEL_RULES = [(t, re.compile(rules[0])) for t, rules in THEMES.items() if rules[0]]
_TEXT_RULES = [(t, re.compile(rules[1])) for t, rules in THEMES.items() if rules[1]]


def label_themes(labels: Iterable[str]) -> list[str]:
    """Sorted themes of a source's raw genre labels (labels that match no theme are dropped)."""
    return sorted({t for label in labels for t, rule in _LABEL_RULES if rule.search(label.lower().strip())})


def text_themes(text: str, title: str) -> list[str]:
    """Sorted themes named by a Wikipedia lead, its movie's own title removed first."""
    text = " ".join(text.split()).lower()
    if title:
        text = text.replace(title.lower(), " ")
    return sorted({t for t, rule in _TEXT_RULES if rule.search(text)})


def theme_node_ids() -> dict[str, int]:
    """Theme name -> its stable node id."""
    return {theme: THEME_ID_BASE + i for i, theme in enumerate(THEME_NAMES)}


# ---------------------------------------------------------------- premise
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "jr", "sr", "st", "vs", "u.s", "no", "co", "lt", "sgt", "capt")
#: lead sentences that are about the making or reception, not the story
_NOT_STORY = re.compile(
    r"\b(directed|written|produced|co-written|screenplay|adapted|distributed|released|starring|stars"
    r"|grossed|box office|nominated|academy award|oscar|critic|reviews?|premiered|installment"
    r"|sequel to|prequel|franchise|remake|was filmed|filming|principal photography|soundtrack"
    r"|budget|cult following|the film received|the film was)\b", re.I)
_STORY = re.compile(r"\b(follows|tells|story|centers|centres|about|when|who|after|must|plot|set in"
                    r"|revolves|chronicles|depicts|focuses)\b", re.I)
#: where the story starts inside a sentence about the making ("Starring X, the film follows ...")
_STORY_CLAUSE = re.compile(r"\b((the (film|plot|story|movie|narrative)|it) (follows|tells|centers|centres"
                           r"|revolves|focuses|chronicles|depicts|is about|concerns)"
                           r"|(that|which) (follows|tells|centers|centres|revolves|focuses|chronicles"
                           r"|depicts|concerns)|(focusing|centering|centred|centered) on|about (a|an|the|two|three))\b",
                           re.I)
_OPENINGS = {"that": "It", "which": "It", "focusing": "It focuses", "centering": "It centers",
             "centred": "It centres", "centered": "It centers", "about": "It is about"}
MAX_PREMISE_CHARS = 400


def sentences(text: str) -> list[str]:
    """The sentences of ``text``; ``"Dr. Brown"`` and ``"Michael J. Fox"`` stay whole."""
    pieces = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", " ".join(text.split()))
    out: list[str] = []
    for piece in pieces:
        last = out[-1].rsplit(" ", 1)[-1].rstrip(".").lower() if out else ""
        if out and (len(last) <= 1 or last in _ABBREVIATIONS):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def premise(extract: str) -> str:
    """At most two sentences of a Wikipedia lead that say what the film is about, or ``""``.

    >>> premise("Up is a 2009 American animated film directed by Pete Docter. It stars Ed Asner. "
    ...         "It follows a widower who ties balloons to his house to fly to South America.")
    'It follows a widower who ties balloons to his house to fly to South America.'
    >>> premise("They Live is a 1988 film by John Carpenter. Starring Roddy Piper, the film follows "
    ...         "a drifter who finds that the ruling class are aliens.")
    'The film follows a drifter who finds that the ruling class are aliens.'
    """
    story = [s for s in map(_story_part, sentences(extract.replace("\xa0", " "))) if s]
    text = ""
    for sentence in story[:2]:
        if text and len(text) + len(sentence) + 1 > MAX_PREMISE_CHARS:
            break
        text = f"{text} {sentence}".strip()
    return text if len(text) <= MAX_PREMISE_CHARS else text[:MAX_PREMISE_CHARS].rsplit(" ", 1)[0] + " …"


def _story_part(sentence: str) -> str:
    """The part of one lead sentence that tells the story (``""`` for none)."""
    clause = _STORY_CLAUSE.search(sentence)
    if clause and clause.start() > 0:
        part = sentence[clause.start():]
        first, rest = part.split(" ", 1)
        if first.lower() in _OPENINGS:
            part = f"{_OPENINGS[first.lower()]} {rest}"
        return part[0].upper() + part[1:]
    if clause or (_STORY.search(sentence) and not _NOT_STORY.search(sentence) and len(sentence) >= 30):
        return sentence
    return ""


# ---------------------------------------------------------------- generator
def derive_rows(G: nx.MultiDiGraph, wikipedia: list[Film], cmu: list[Film]) -> list[dict]:
    """One row per linked KG movie: ``node``, ``uri``, ``themes``, ``premise``, ``page`` (the
    Wikipedia page the premise is from, for attribution), ``links`` (source -> how linked)."""
    found: dict[int, dict] = defaultdict(lambda: {"themes": set(), "premise": "", "page": "", "links": {}})
    for node, source, film, how in link_films(G, wikipedia, cmu):
        row = found[node]
        row["links"][source] = how
        row["themes"].update(label_themes(film.labels))
        if film.extract:
            row["themes"].update(text_themes(film.extract, film.title))
            row["premise"] = premise(film.extract)
            row["page"] = film.href
    return [{"node": node, "uri": G.nodes[node]["uri"], "themes": sorted(row["themes"]),
             "premise": row["premise"], "page": row["page"] if row["premise"] else "",
             "links": row["links"]}
            for node, row in sorted(found.items()) if row["themes"] or row["premise"]]


def write_rows(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


# ---------------------------------------------------------------- build step
def read_rows(path: Path) -> list[tuple[int, dict]]:
    """``(line, row)`` of the shipped JSONL; a bad row raises ``DataFileError``."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise DataFileError(path, None, f"cannot read ({e.strerror}); regenerate with "
                                        "python -m kgrec.kg.sources.themes") from e
    rows = []
    for line, text in enumerate(lines, 1):
        try:
            row = json.loads(text)
        except json.JSONDecodeError:
            row = None
        ok = (isinstance(row, dict) and isinstance(row.get("node"), int) and isinstance(row.get("premise"), str)
              and isinstance(row.get("themes"), list) and all(t in THEMES for t in row["themes"]))
        if not ok:
            raise DataFileError(path, line, "a JSON object with an int node, a premise string and "
                                            "themes from kgrec.kg.sources.themes.THEMES")
        rows.append((line, row))
    return rows


def add_theme_nodes(G: nx.MultiDiGraph) -> dict[str, int]:
    """Add the theme nodes; returns name -> node id."""
    ids = theme_node_ids()
    for theme, node in ids.items():
        G.add_node(node, name=theme, type=THEME_TYPE, hint="", uri="", reads=THEME_READS.get(theme, ""))
    return ids


def add_themes(G: nx.MultiDiGraph, path: Path | None = None) -> int:
    """Theme nodes, ``has_theme`` edges and ``premise`` attributes from the shipped file (in place).

    Returns the number of ``has_theme`` edges added. Themes no movie has get no node.
    """
    path = Path(path or data_dir() / DOCUMENTS_FILE)
    ids = add_theme_nodes(G)
    before = G.number_of_edges()
    for line, row in read_rows(path):
        node = row["node"]
        if node not in G or G.nodes[node].get("uri") != row.get("uri"):
            raise DataFileError(path, line, f"node {node} with uri {row.get('uri')!r} in the KG; "
                                            "regenerate with python -m kgrec.kg.sources.themes")
        for theme in row["themes"]:
            G.add_edge(node, ids[theme], key=HAS_THEME, relation=HAS_THEME, source="wikipedia+cmu")
        if row["premise"]:
            G.nodes[node]["premise"] = row["premise"]
    G.remove_nodes_from([n for n in ids.values() if G.degree(n) == 0])
    return G.number_of_edges() - before


def coverage(G: nx.MultiDiGraph) -> tuple[float, float]:
    """Shares of catalog items with a premise and with at least one theme."""
    items = catalog(G)
    if not items:
        return 0.0, 0.0
    with_premise = sum(1 for n in items if G.nodes[n].get("premise"))
    with_theme = sum(1 for n in items if any(k == HAS_THEME for _, _, k in G.out_edges(n, keys=True)))
    return with_premise / len(items), with_theme / len(items)


def main(argv: list[str] | None = None) -> int:
    from kgrec.kg.sources.build import build_movie_graph
    from kgrec.kg.sources.enrich import add_genres, sources_parser

    args = sources_parser("python -m kgrec.kg.sources.themes", __doc__, data_dir() / DOCUMENTS_FILE).parse_args(argv)

    G = build_movie_graph()
    add_genres(G)
    rows = derive_rows(G, read_wikipedia(args.sources / "wikipedia_movie_data"),
                       read_cmu(args.sources / "cmu_movie_summary" / "movie.metadata.tsv.gz"))
    write_rows(rows, args.out)
    add_themes(G, args.out)
    with_premise, with_theme = coverage(G)
    print(f"{len(rows)} movies written to {args.out}; catalog items with a premise: {with_premise:.1%}, "
          f"with a theme: {with_theme:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Map the agent's values to what the page shows: cards, the understood-preferences list, pictures.

Pure functions of ``G`` and ``kgrec.agent.types`` values; no Gradio here, so they are tested directly.
A card's picture is the KG path its explanation cites, laid out with networkx and written as
SVG with real text (sharp when zoomed; no plotting library's global state in Gradio's threads).
"""
from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, fields

import networkx as nx

from kgrec.agent.types import Preferences, RecommendedItem
from kgrec.kg.graph import display, is_item
from kgrec.kg.query.paths import facts_about
from kgrec.kg.query.verbalize import by_fame
from kgrec.kg.schema import Constraints, Fact

#: the people a card names: (relation, label, at most how many), e.g. "Directed by X · starring Y, Z"
CARD_PEOPLE = (("director", "Directed by", 2), ("author", "By", 2), ("starring", "starring", 3))
#: feedback kinds a card's buttons send, with their button labels and the badge shown after
FEEDBACK = {"liked": ("liked it", "you liked it"),
            "seen": ("seen it", "you have seen it"),
            "disliked": ("not for me", "not for you")}


@dataclass(frozen=True)
class Card:
    """One recommended item as the page shows it."""

    item: int
    title: str  # "Police Academy 2: Their First Assignment (1985)"
    people: str  # "Directed by Jerry Paris · starring Steve Guttenberg, Bubba Smith"
    explanation: str  # the agent's explanation text (cites KG facts)
    path_text: str  # the cited path, "Police Academy 2 —starring→ Steve Guttenberg ←starring— ..."
    picture: str  # data: URI of a PNG of the cited path ("" when the explanation has no path)


@dataclass(frozen=True)
class PrefRow:
    """One line of the "what I understood" panel; ``node`` is what ``Recommender.forget`` takes."""

    group: str  # "Likes", "Dislikes", "Seen", "Wanted", "About", "Avoid", "Years"
    label: str
    node: int | str  # a KG node id, or "year_min" / "year_max" / "not_years"
    wish: bool = False  # asked for before the last message: weighs, filters nothing (kgrec.agent.preferences.wishes)


WISH_NOTE = "asked earlier: weighs, does not filter"


def people_line(G: nx.MultiDiGraph, item: int) -> str:
    """Director(s), author(s) and main stars of ``item`` from the KG, e.g. "Directed by X · starring Y, Z"."""
    parts = []
    for relation, label, most in CARD_PEOPLE:
        tails = [display(G, n) for n in by_fame(G, [f.tail for f in facts_about(G, item, relations={relation})
                                                  if f.head == item])]
        if tails:
            parts.append(f"{label} {', '.join(tails[:most])}")
    return " · ".join(parts)


def path_text(G: nx.MultiDiGraph, path: Sequence[Fact], start: int | None = None) -> str:
    """A path as one line of names and arrows, following the edges' directions.

    It reads from ``start`` when that is an end of the path (the recommended item), else from
    the end of the first fact that the second one does not share.
    """
    if not path:
        return ""
    ends = _ends(path)
    current = start if start in ends else ends[0]
    facts = list(path) if current == ends[0] else list(reversed(path))
    text = display(G, current)
    for fact in facts:
        relation = fact.relation.replace("_", " ")
        if fact.head == current:
            text += f" —{relation}→ {display(G, fact.tail)}"
            current = fact.tail
        else:
            text += f" ←{relation}— {display(G, fact.head)}"
            current = fact.head
    return text


def _ends(path: Sequence[Fact]) -> tuple[int, int]:
    """The two end nodes of a walk of facts."""
    def outer(fact: Fact, neighbour: Fact) -> int:
        return fact.tail if fact.head in (neighbour.head, neighbour.tail) else fact.head
    if len(path) == 1:
        return path[0].head, path[0].tail
    return outer(path[0], path[1]), outer(path[-1], path[-2])


def _short(text: str, width: int = 22) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _path_graph(item: int, paths: Sequence[Sequence[Fact]]) -> nx.MultiDiGraph:
    """The facts of ``paths`` as a graph whose nodes carry ``layer``: minus their hops from ``item``."""
    H = nx.MultiDiGraph()
    H.add_node(item)
    for path in paths:
        for f in path:
            H.add_edge(f.head, f.tail, key=f.relation)
    hops = nx.single_source_shortest_path_length(H.to_undirected(as_view=True), item)
    far = max(hops.values()) + 1
    for node in H:
        H.nodes[node]["layer"] = -hops.get(node, far)
    return H


def _columns(H: nx.MultiDiGraph) -> dict[int, tuple[float, float]]:
    """Positions: x is the node's layer; within a column nodes keep the order the paths named them."""
    columns: dict[int, list[int]] = {}
    for node in H:  # insertion order follows the paths
        columns.setdefault(H.nodes[node]["layer"], []).append(node)
    return {node: (float(layer), (len(nodes) - 1) / 2 - row)
            for layer, nodes in columns.items() for row, node in enumerate(nodes)}


def path_svg(G: nx.MultiDiGraph, item: int, paths: Sequence[Sequence[Fact]]) -> bytes:
    """SVG of the facts in ``paths``: the recommended ``item`` on the right, each hop a column leftwards.

    Names alternate above and below their nodes so neighbouring columns never overlap. Written as
    SVG text directly: a few circles, arrows and labels (matplotlib took a quarter of the server's
    time with 20 sessions at once, ``bench/concurrency.py``).
    """
    H = _path_graph(item, paths)
    pos = _columns(H)
    left, top = min(x for x, _ in pos.values()), max(y for _, y in pos.values())
    width, height = 90 + 130 * -left + 90, 50 * 2 * top + 56

    def xy(node: int) -> tuple[float, float]:
        x, y = pos[node]
        return 90 + 130 * (x - left), 28 + 50 * (top - y)

    esc = html.escape
    parts = []
    for u, v, relation in H.edges(keys=True):
        (x1, y1), (x2, y2) = xy(u), xy(v)
        length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1.0)
        dx, dy = (x2 - x1) / length * 10, (y2 - y1) / length * 10  # stop at the circles' edge
        parts.append(f'<line x1="{x1 + dx:.1f}" y1="{y1 + dy:.1f}" x2="{x2 - dx:.1f}" y2="{y2 - dy:.1f}" '
                     f'stroke="#777" marker-end="url(#arrow)"/>')
        parts.append(f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2 - 3:.1f}" font-size="8" fill="#444" '
                     f'text-anchor="middle" class="relation">{esc(relation.replace("_", " "))}</text>')
    for node in H:
        x, y = xy(node)
        color = "#f6c453" if node == item else "#9ecae1" if node in G and is_item(G, node) else "#c7e9c0"
        above = H.nodes[node]["layer"] % 2 == 0
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{color}" stroke="#555"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 12 if above else y + 20:.1f}" font-size="9" text-anchor="middle">'
                     f'{esc(_short(display(G, node)))}</text>')
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif">'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>'
            + "".join(parts) + "</svg>\n").encode()


def card(G: nx.MultiDiGraph, rec: RecommendedItem) -> Card:
    """The card for one recommended item: KG facts about it, its explanation and path picture."""
    paths = rec.explanation.paths
    picture = ""
    if paths:
        picture = "data:image/svg+xml;base64," + base64.b64encode(path_svg(G, rec.item, paths)).decode()
    return Card(item=rec.item, title=rec.title, people=people_line(G, rec.item),
                explanation=rec.explanation.text,
                path_text="\n".join(path_text(G, p, rec.item) for p in paths),
                picture=picture)


def card_html(card: Card, status: str = "") -> str:
    """The card's body as HTML (the buttons are separate Gradio components)."""
    esc = html.escape
    badge = f'<div class="kg-badge">{esc(FEEDBACK[status][1])}</div>' if status else ""
    paths = "".join(f"<li>{esc(line)}</li>" for line in card.path_text.splitlines())
    picture = (f'<img class="kg-path" alt="KG path for {esc(card.title)}" src="{card.picture}">'
               if card.picture else "")
    return (f'<div class="kg-card-body" data-item="{card.item}"><div class="kg-text">'
            f'<h3 class="kg-title">{esc(card.title)}</h3>{badge}'
            f'<div class="kg-people">{esc(card.people)}</div>'
            f'<p class="kg-why">{esc(card.explanation)}</p>'
            f'<ul class="kg-paths">{paths}</ul></div>{picture}</div>')


def preference_rows(G: nx.MultiDiGraph, prefs: Preferences, wishes: Constraints = Constraints()) -> list[PrefRow]:
    """What the agent understood, one removable row per node (or year bound, or the excluded
    ranges), grouped under each ``Preferences`` field's ``group``, groups in field order. A row among the
    latest turn's ``wishes`` (what earlier messages asked for, ``kgrec.agent.turn.Request.wishes``) is marked."""
    wished = {*wishes.genres, *wishes.themes, *wishes.people,
              *(["year_min"] if wishes.year_min is not None else []), *(["year_max"] if wishes.year_max is not None else [])}
    groups: dict[str, list[PrefRow]] = {}
    for f in fields(Preferences):
        value, group = getattr(prefs, f.name), f.metadata["group"]
        if group is None or value in (None, ()):
            continue
        if f.metadata["kind"] == "nodes":
            wish = f.name in ("genres", "themes", "people")  # the positive facets; a "not" always filters
            rows = [PrefRow(group, (f.metadata["row"] or "{}").format(display(G, node)), node, wish and node in wished)
                    for node in value]
        else:
            shown = ", ".join(f"{a}-{b}" for a, b in value) if f.metadata["kind"] == "ranges" else value
            rows = [PrefRow(group, f.metadata["row"].format(shown), f.name, f.name in wished)]
        groups.setdefault(group, []).extend(rows)
    return [row for rows in groups.values() for row in rows]

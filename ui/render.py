"""Map the agent's values to what the page shows: cards, the understood-preferences list, pictures.

Pure functions of ``G`` and ``agent.types`` values; no Gradio here, so they are tested directly.
A card's picture is the KG path its explanation cites, drawn with networkx + matplotlib
as SVG with real text (object API on the SVG canvas: no pyplot global state, safe in Gradio's
worker threads; SVG costs two thirds of a PNG's drawing time and stays sharp when zoomed).
"""
from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields

import networkx as nx
import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from agent.types import Preferences, RecommendedItem
from kg.graph import display, is_item
from kg.paths import facts_about
from kg.schema import Fact
from kg.verbalize import by_fame

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

    group: str  # "Likes", "Dislikes", "Seen", "Wanted", "Avoid", "Years"
    label: str
    node: int | str  # a KG node id, or "year_min" / "year_max" / "not_years"


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


def path_svg(G: nx.MultiDiGraph, item: int, paths: Sequence[Sequence[Fact]], dpi: int = 90) -> bytes:
    """SVG of the facts in ``paths``: the recommended ``item`` on the right, each hop a column leftwards.

    Names alternate above and below their nodes so neighbouring columns never overlap.
    """
    H = _path_graph(item, paths)
    pos = _columns(H)
    width, height = 1 - min(x for x, _ in pos.values()), max(y for _, y in pos.values()) * 2 + 1
    fig = Figure(figsize=(1.5 * (width + 0.6), 0.55 * (height + 0.5)), dpi=dpi)
    FigureCanvasSVG(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    colors = ["#f6c453" if n == item else "#9ecae1" if n in G and is_item(G, n) else "#c7e9c0" for n in H]
    nx.draw_networkx_edges(H, pos, ax=ax, edge_color="#777", arrowsize=10, node_size=300)
    relations = {(u, v, k): k.replace("_", " ") for u, v, k in H.edges(keys=True)}
    nx.draw_networkx_edge_labels(H, pos, ax=ax, font_size=6, font_color="#444", edge_labels=relations)
    nx.draw_networkx_nodes(H, pos, ax=ax, node_color=colors, node_size=300, edgecolors="#555")
    for node, (x, y) in pos.items():
        above = H.nodes[node]["layer"] % 2 == 0
        ax.annotate(_short(display(G, node)), (x, y), xytext=(0, 7 if above else -8), textcoords="offset points",
                    ha="center", va="bottom" if above else "top", fontsize=7)
    ax.set_xlim(1 - width - 0.8, 0.8)
    ax.set_ylim(-height / 2 - 0.25, height / 2 + 0.25)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "kgrec"}):  # text as <text>; stable ids
        fig.savefig(buffer, format="svg")
    return buffer.getvalue()


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


def preference_rows(G: nx.MultiDiGraph, prefs: Preferences) -> list[PrefRow]:
    """What the agent understood, one removable row per node (or year bound, or the excluded
    ranges), grouped under each ``Preferences`` field's ``group``, groups in field order."""
    groups: dict[str, list[PrefRow]] = {}
    for f in fields(Preferences):
        value, group = getattr(prefs, f.name), f.metadata["group"]
        if group is None or value in (None, ()):
            continue
        if f.metadata["kind"] == "nodes":
            rows = [PrefRow(group, display(G, node), node) for node in value]
        else:
            shown = ", ".join(f"{a}-{b}" for a, b in value) if f.metadata["kind"] == "ranges" else value
            rows = [PrefRow(group, f.metadata["row"].format(shown), f.name)]
        groups.setdefault(group, []).extend(rows)
    return [row for rows in groups.values() for row in rows]

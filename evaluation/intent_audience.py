"""Intent cases: a child named by age or as a little one wants a family movie; an adult's age does not.

Part of ``python -m kgrec.evaluation.intents`` (kind ``audience``). Found by the issue's own example,
"a movie my 6 year old would enjoy", which linked nothing before ``kgrec.agent.content.audience``.
"""
from __future__ import annotations

import networkx as nx

from kgrec.kg.query.linking import genre_nodes

WANTS = ("a movie my {x} would enjoy", "something for my {x}", "what can I watch with my {x}?",
         "any good movies for a {x}?", "looking for a film my {x} will like")
CHILDREN = ("6 year old", "six year old", "4-year-old", "ten year old", "8 yr old", "twelve year old",
            "toddler", "little ones", "grandkids", "5 year olds")
ADULTS = ("a movie about a 40 year old man", "something for my 30 year old brother", "a film about a 70-year-old widow",
          "my 16 year old wants a thriller")


def audience_cases(G: nx.MultiDiGraph, case) -> list:
    """The cases over ``G`` (none without a family genre); ``case`` is ``kgrec.evaluation.intents.Case``."""
    node = genre_nodes(G).get("family")
    if node is None:
        return []
    family = frozenset({node})
    wanted = [case("audience", t.format(x=x), genres=family) for t in WANTS for x in CHILDREN]
    wanted += [case("audience", f"no kids stuff, nothing for a {x}", not_genres=family)
               for x in ("6 year old", "toddler")]
    return wanted + [case("audience", t, dropped_genres=family) for t in ADULTS]

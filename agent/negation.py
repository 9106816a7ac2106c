"""Negation scope, and the year phrases of a message read with it.

A cue ("not", "no", "anything but", "other than", "except", "avoid", "without", "hated",
"can't stand", ...) negates what follows it in its clause, across a plain list ("no horror,
comedy or romance"), up to a word that starts a new wish ("but", "instead", "I love", "something",
a sentence end). A cue after a mention ("horror? no thanks", "Tom Hanks I can't stand") negates it
too. Year phrases are read the same way, and a negated one is complemented, never inverted:
"not from the 80s" excludes 1980-1989, "not before 2000" means 2000 on, "nothing after 2010" up to
2010. The text given is lower case with the linked mentions blanked out (``kgrec.agent.understanding._masked``).

    >>> read_years("something like police academy, but not from the 80s")
    YearReading(year_min=None, year_max=None, not_years=((1980, 1989),))
    >>> read_years("only 1950s horror after 2015").year_min
    2016
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CUE = re.compile(
    r"\b(?:(?:do|does|did)(?:n'?t| not)\s+(?:really\s+)?(?:like|want|love|enjoy|need|care for)"
    r"|(?:can'?t|cannot|could ?n'?t)\s+stand|(?:anything|everything|all)\s+but|other than|rather than|instead of|apart from"
    r"|not|no|none|nothing(?!\s+but\b)|never|without|except(?:\s+for)?|avoid(?:ing)?|skip|hate[sd]?|dislike[sd]?"
    r"|exclud(?:e|ing)|minus|leav(?:e|ing) out|spare me|keep away from|steer clear of|done with|forget(?: about)?"
    r"|allergic to|rule out|ruling out|hold the|count me out(?: for| of)?|pass on|ugh"
    r"|don'?t|doesn'?t|didn'?t|isn'?t|wasn'?t|tired of|enough of|sick of|less|fewer)\b")
#: idioms whose cue words praise: "nothing beats", "can't get enough of", "without a doubt"
PRAISE = re.compile(r"\b(?:nothing beats|nothing tops|can'?t get enough of|no doubt|without a doubt|never gets old"
                    r"|never disappoints|no wonder|not only|can'?t wait|(?:not|wasn'?t|isn'?t) (?:that |so |too |at all )?"
                    r"(?:bad|boring))\b")
#: a wish verb right after a cue belongs to it: "never want to see", "don't really like"
CUE_VERB = re.compile(r"^\s*(?:(?:i|really|ever|even|again|do|would)\s+)*(?:wanna|want|like[sd]?|love[sd]?|enjoy(?:ed)?|need|care for|feel like|feeling)"
                      r"(?:\s+to\s+(?:see|watch|have))?\b")
#: words that start a new wish: negation does not carry past them
RESET = re.compile(r"[.;!?\n]|\b(?:but|however|though|although|yet|instead|rather|whereas|love[sd]?|like[sd]?|"
                   r"enjoy(?:ed|s)?|want|prefer|give me|show me|recommend|i'?d like|something|maybe|how about|what about)\b")
LIST = re.compile(r"^(?:[\s,/&]|\b(?:or|and|nor|either|neither|any|more|movies?|films?|with|by|from|of|the|a|an)\b)*$")
_THING = r"(?:(?:movies?|films?|stuff|ones)\W*)?"
_END = r"(?=\s*(?:that|it|them|those|him|her|one|ones|stuff|honestly|really|though|again)?\s*(?:\W|$))"
AFTER = re.compile(
    rf"^\W*{_THING}(?:(?:is|are|was|were|'s|'re)\s+)?(?:(?:just|really|so|pretty|honestly)\s+)?"
    r"(?:terrible|awful|boring|bad|horrible|overrated|the worst|not for me|a no\b|out\b|off the table|no thanks"
    r"|not really|please no|no way|nope|nah|never again|a pass|not (?:really )?my (?:thing|cup of tea|kind of)"
    r"|(?:is|are)n'?t (?:really )?my (?:thing|cup of tea)|not my style|(?:gets )?a hard (?:pass|no)|off limits"
    r"|ugh)\b"
    rf"|^\W*{_THING}(?:(?:i|we)\s+)?(?:really\s+|just\s+)?(?:can'?t stand|cannot stand|hate[sd]?|dislike[sd]?"
    rf"|don'?t (?:want|like)|do not (?:want|like)|didn'?t like|won'?t watch)\b{_END}"
    rf"|^\W*{_THING}(?:no|nah|nope)\s*(?:thanks|thank you|way|please)?\s*(?:[.!?,;]|$)")
#: a judgement after a mention, in its clause ("Iron Man bored me", "a waste of time")
BAD = re.compile(r"\b(?:bad|awful|terrible|horrible|boring|bored|waste|worst|overrated|hate[ds]?|dislike[ds]?|disappointing"
                 r"|disappointed|meh|suck(?:s|ed)?|lame|dull|garbage|trash|annoying|stupid|cringe|nah|nope|a pass"
                 r"|not (?:today|tonight|now|again|for me)|no thanks)\b")
GOOD = re.compile(r"\b(?:great|good|amazing|awesome|love[ds]?|like[ds]?|enjoy(?:ed)?|fun|funny|fantastic|best|favou?rite"
                  r"|brilliant|(?:not|wasn'?t|isn'?t) (?:that |so |too )?(?:bad|boring))\b")
CLAUSE = re.compile(r"[.;!?\n]|\b(?:but|however|though|although|whereas)\b")
SENTENCE = re.compile(r"[.;!?\n]")
YEAR = r"((?:19|20)\d\d)(?!'?s\b)"  # "2000's" is a decade
DECADE_WORDS = {"twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
                "seventies": 1970, "eighties": 1980, "nineties": 1990}
#: (pattern, kind): the positive reading of each kind is in ``_interval``; earlier patterns win overlaps
YEAR_PHRASES = (
    (re.compile(rf"\b(?:between|from)\s+{YEAR}\s*(?:and|to|-|until)\s*{YEAR}\b"), "range"),
    (re.compile(rf"\bfrom\s+{YEAR}\s+(?:on|onwards?)\b"), "since"),
    (re.compile(rf"\b(?:after|later than|newer than|more recent than|post)\s+{YEAR}\b"), "after"),
    (re.compile(rf"\bsince\s+{YEAR}\b"), "since"),
    (re.compile(rf"\b(?:before|older than|earlier than|prior to|pre)\s+{YEAR}\b"), "before"),
    (re.compile(rf"\buntil\s+{YEAR}\b"), "until"),
    (re.compile(rf"\b(?:in|from)\s+{YEAR}\b"), "in"),
    (re.compile(r"\b(?:the\s+)?'?(19|20)?([0-9])0'?s\b"), "decade"),
    (re.compile(r"\b(?:the\s+)?(" + "|".join(DECADE_WORDS) + r")\b"), "decade"),
)


@dataclass(frozen=True)
class YearReading:
    """Year bounds a message states; ``not_years`` are excluded (inclusive) ranges."""

    year_min: int | None = None
    year_max: int | None = None
    not_years: tuple[tuple[int, int], ...] = ()


def in_scope(between: str, lists: bool = True) -> bool:
    """Whether a cue still negates a mention with ``between`` (masked text) between them; with
    ``lists``, across a list of mentions ("no horror, comedy or romance")."""
    if RESET.search(between):
        return False
    if lists and LIST.match(between):
        return True
    return "," not in between and re.search(r"\band\b", between) is None and len(between) <= 40


def negated(low: str, start: int, end: int, lists: bool = True, limit: int | None = None) -> bool:
    """Whether the phrase at ``low[start:end]`` is negated by a cue before it, or right after it, or
    judged badly in the rest of its clause (up to ``limit``, where the next mention starts)."""
    sentence = max((m.end() for m in SENTENCE.finditer(low, 0, start)), default=0)
    before = low[max(sentence, start - 120):start]
    cues = list(CUE.finditer(PRAISE.sub(lambda m: " " * len(m.group()), before)))
    if cues and in_scope(CUE_VERB.sub("", before[cues[-1].end():], count=1), lists):
        return True
    if (m := AFTER.search(low[end:end + 60])) and (limit is None or low[end + m.end():limit].strip()):
        return True  # unless the cue leads into the next mention: "I loved Big, I hated Up", "Big, no horror"
    after = low[end:min(end + 80, limit if limit is not None else len(low))].lstrip(" ?!.,")  # "Why Him? bored me"
    into_next = limit is not None and limit <= end + 80 and CLAUSE.search(after) is None
    after = after[:m.start()] if (m := CLAUSE.search(after)) else after

    def said(pattern: re.Pattern) -> bool:  # a word right before the next mention is about that one
        return any(not (into_next and not after[w.end():].strip()) for w in pattern.finditer(after))
    return said(BAD) and not said(GOOD)


def _interval(kind: str, m: re.Match) -> tuple[int | None, int | None]:
    if kind == "decade":
        if m.group(1) in DECADE_WORDS:
            return DECADE_WORDS[m.group(1)], DECADE_WORDS[m.group(1)] + 9
        century = m.group(1) or ("19" if int(m.group(2)) >= 3 else "20")
        start = int(f"{century}{m.group(2)}0")
        return start, start + 9
    year = int(m.group(1))
    return {"range": (year, int(m.group(2)) if kind == "range" else 0), "after": (year + 1, None),
            "since": (year, None), "before": (None, year - 1), "until": (None, year),
            "in": (year, year)}[kind]


def _phrases(low: str) -> list[tuple[re.Match, str]]:
    taken: list[tuple[int, int]] = []
    found = []
    for pattern, kind in YEAR_PHRASES:
        for m in pattern.finditer(low):
            if kind == "in" and re.match(r"\s+(?:on|onwards?)\b", low[m.end():]):
                continue
            if all(m.end() <= a or b <= m.start() for a, b in taken):
                taken.append(m.span())
                found.append((m, kind))
    return sorted(found, key=lambda x: x[0].start())


def read_years(low: str) -> YearReading:
    """The year bounds and excluded ranges stated in ``low`` (lower case, mentions masked)."""
    lows, highs, excluded = [], [], []
    for m, kind in _phrases(low):
        lo, hi = _interval(kind, m)
        if not negated(low, m.start(), m.end(), lists=False):  # "not horror, before 1990"
            lows += [lo] if lo is not None else []
            highs += [hi] if hi is not None else []
        elif lo is not None and hi is not None:
            excluded.append((lo, hi))
        elif lo is not None:  # not after 2010 -> up to 2010
            highs.append(lo - 1)
        elif hi is not None:  # not before 2000 -> 2000 on
            lows.append(hi + 1)
    return YearReading(max(lows, default=None), min(highs, default=None), tuple(dict.fromkeys(excluded)))


def covers(ranges, year_min: int | None, year_max: int | None) -> bool:
    """Whether the excluded ``ranges`` leave no year of ``year_min..year_max`` (both given)."""
    if year_min is None or year_max is None or year_min > year_max:
        return False
    return all(any(lo <= y <= hi for lo, hi in ranges) for y in range(year_min, year_max + 1))

"""The words entity linking knows: everyday words, and what users call each genre.

A one-word title made of everyday words ("Up", "It", "Help") only links when written like a
name; a word outside every alias and every everyday word is likely a typo, so only spans
holding one are matched fuzzily. The everyday words are a built-in list plus the words a data
set's dialogues write in lower case (:func:`chat_words`; ReDial's: ``kgrec.kg.sources.redial.link_words``).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

TOKEN = re.compile(r"\w+(?:['’]\w+)*|&")
SENTENCE_END = re.compile(r"[.!?]\s*$")


def fold(word: str) -> str:
    """Lower case without accents or apostrophes: ``"Amélie's"`` -> ``"amelies"``."""
    if word == "&":
        return "and"
    if word.isascii():  # the common case, the same result without the Unicode tables (2x faster indexing)
        return word.lower().replace("'", "")
    text = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in text if not unicodedata.combining(c) and c not in "'’")


def tokens(text: str) -> list[tuple[str, int, int]]:
    """``(folded word, start, end)`` for each word of ``text``."""
    return [(fold(m.group()), m.start(), m.end()) for m in TOKEN.finditer(text)]


def normalize(text: str) -> str:
    """``"Police Academy 2: Their First"`` -> ``"police academy 2 their first"``."""
    return " ".join(word for word, _, _ in tokens(text))


#: function words and words so frequent in chat that a one-word title equal to one of them
#: ("Up", "It", "Her", "Taken") only counts when written capitalised mid-sentence or with its year
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out
over own same she should so some such than that the their theirs them themselves then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves im ive id dont didnt
doesnt isnt wasnt cant wont thats whats youre youve theyre lets also yes yeah yep ok okay oh
hi hello hey thanks thank please sure really well maybe
""".split())
COMMON = STOPWORDS | frozenset("""
movie movies film films flick flicks show shows watch watched watching seen see saw look like
liked likes love loved loves enjoy enjoyed good great best better bad worse worst awesome cool
nice fun funny scary sad happy new old big little small long short first last next one two
three four five time times day days night nights year years life home family friend friends
kids kid man men woman women girl girls boy boys people person thing things something anything
everything nothing way back go going gone get got give take taken make made know known think
thought want wanted need say said tell told find found come came run running ride drive
walk play played work working start started stop end ending story stories world war wars
game games school house room city town car cars road light dark black white red blue green
gold signs sign heat speed crash cut wild free true real right left high low hard easy
fast slow open close closed alone together again ever never always still even enough once
maybe perhaps kind sort lot lots part whole full half cast actor actors actress character
characters scene scenes series sequel sequels original classic classics recent recently today
tonight tomorrow yesterday week weekend recommend recommendation recommendations suggest
suggestion suggestions genre type mood heard hear sounds sound idea ideas prefer favorite
favourite fan fans action drama comedy comedies horror thriller thrillers romance romantic
family mother father sister sisters brother brothers parents children baby date dates
mystery fantasy adventure crime documentary western musical animated animation cartoon anime
war music power wanted moving once twisted taken fallen legend ghost pride secret test
gravity contact drive flight room life them us her it up go big home signs split crash else
guys guy sleep sleepless
""".split())

#: what users say -> the broad genre names it means (each resolved to a genre node if present)
GENRE_SYNONYMS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("scary", "spooky", "creepy", "slasher", "slashers", "horror", "horrors",
                     "frightening", "terrifying", "scarier", "creepier"), ("horror",)),
    **dict.fromkeys(("funny", "hilarious", "comedic", "comedy", "comedies", "lighthearted",
                     "light hearted", "goofy", "silly", "funnier", "sillier"), ("comedy",)),
    **dict.fromkeys(("sci fi", "scifi", "science fiction", "sci fis", "space movie",
                     "space movies"), ("science fiction",)),
    **dict.fromkeys(("kids", "kid", "children", "childrens", "family", "family friendly",
                     "kid friendly"), ("family",)),
    **dict.fromkeys(("cartoon", "cartoons", "animated", "animation", "anime", "pixar"),
                    ("animation",)),
    **dict.fromkeys(("rom com", "rom coms", "romcom", "romcoms", "romantic comedy",
                     "romantic comedies", "chick flick", "chick flicks"), ("romance", "comedy")),
    **dict.fromkeys(("romantic", "romance", "romances", "love story", "love stories"),
                    ("romance",)),
    **dict.fromkeys(("thriller", "thrillers", "suspense", "suspenseful"), ("thriller",)),
    **dict.fromkeys(("documentary", "documentaries", "docs", "docu"), ("documentary",)),
    **dict.fromkeys(("drama", "dramas", "dramatic"), ("drama",)),
    **dict.fromkeys(("action", "action packed", "action movies"), ("action",)),
    **dict.fromkeys(("war movie", "war movies", "war film", "war films"), ("war",)),
    **dict.fromkeys(("western", "westerns", "cowboy"), ("western",)),
    **dict.fromkeys(("musical", "musicals"), ("musical",)),
    **dict.fromkeys(("mystery", "mysteries", "whodunit"), ("mystery",)),
    **dict.fromkeys(("crime", "gangster", "heist", "mob"), ("crime",)),
    **dict.fromkeys(("fantasy", "fantasies"), ("fantasy",)),
    **dict.fromkeys(("adventure", "adventures"), ("adventure",)),
    **dict.fromkeys(("superhero", "superheroes", "superhero movies"), ("superhero",)),
    **dict.fromkeys(("biopic", "biopics", "biography", "biographical"), ("biography",)),
    **dict.fromkeys(("sports", "sport"), ("sports",)),
    **dict.fromkeys(("christmas", "holiday", "holidays", "xmas"), ("holiday",)),
    **dict.fromkeys(("teen", "teens", "teenage", "coming of age", "high school"), ("teen",)),
    **dict.fromkeys(("historical", "period piece", "period pieces"), ("history",)),
}

COMMON |= {phrase for phrase in GENRE_SYNONYMS if " " not in phrase}  # "Holidays (2016)"

#: theme name (``kgrec.kg.sources.themes``) -> its other simple forms (plurals and "<name> movie" are added by
#: ``kgrec.kg.query.linking``). Only forms of the theme's own words: synonyms ("the undead") link through the
#: LM encoder (``kgrec.agent.content``), not through this list.
THEME_FORMS: dict[str, tuple[str, ...]] = {
    "time travel": ("time traveling", "time travelling", "time traveler", "time travellers", "time machine"),
    "zombies": ("zombie",), "vampires": ("vampire",), "werewolves": ("werewolf",), "ghosts": ("ghost", "haunted house"),
    "witches": ("witch",), "monsters": ("monster",), "dinosaurs": ("dinosaur", "dino", "dinos"),
    "sharks": ("shark",), "aliens": ("alien",), "robots": ("robot",), "spies": ("spy",),
    "heist": ("heists",), "courtroom drama": ("courtroom", "courtroom dramas", "legal drama"),
    "gangsters": ("gangster", "mafia", "mob"), "detectives": ("detective",), "serial killers": ("serial killer",),
    "assassins": ("assassin", "hitman"), "boxing": ("boxer", "boxers"), "christmas": ("xmas",),
    "pirates": ("pirate",), "dragons": ("dragon",), "submarines": ("submarine",), "clowns": ("clown",),
    "teachers": ("teacher",), "planes": ("plane", "airplane", "airplanes"), "bikers": ("biker", "motorcycle"),
    "video games": ("video game",), "toys": ("toy",), "road trip": ("road trips", "road movie"),
    "world war ii": ("world war 2", "ww2", "wwii", "second world war"), "post-apocalyptic": ("post apocalyptic",
                                                                                          "apocalypse"),
    "martial arts": ("kung fu", "karate"), "coming of age": ("coming of age story",),
    "true story": ("true stories", "based on a true story", "real story"), "slasher": ("slashers",),
    "based on a book": ("book adaptation", "based on a novel"), "fairy tales": ("fairy tale",),
    "car racing": ("racing", "race car", "car race"), "epidemic": ("pandemic",),
    "wedding": ("weddings",), "disaster": ("disasters", "disaster movie"), "high school": (),
}


def chat_words(texts: Iterable[str], min_texts: int = 3) -> frozenset[str]:
    """Everyday words: written in lower case in ``min_texts`` texts, rarely capitalised
    mid-sentence. From chat logs this keeps "help" and "hope" and leaves out "Titanic".

    >>> sorted(chat_words(["I hope so", "so we hope", "you saw Hope and Hope 2"], min_texts=2))
    ['so']
    """
    texts_with, lower, capital = Counter(), Counter(), Counter()
    for text in texts:
        seen = set()
        for match in TOKEN.finditer(text):
            word = fold(match.group())
            if match.group()[0].isupper():
                before = text[:match.start()].rstrip()
                capital[word] += bool(before) and SENTENCE_END.search(before) is None
            else:
                lower[word] += 1
                seen.add(word)
        texts_with.update(seen)
    return frozenset(w for w, n in texts_with.items()
                     if n >= min_texts and lower[w] >= 2 * capital[w] and not w.isdigit())

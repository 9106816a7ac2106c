"""Text from outside (chat messages, tool arguments, profile fields) made safe once, where it enters.

``clean`` cuts the text to a size, replaces invalid Unicode (a lone surrogate such as ``"\\ud800"``,
which no tokenizer, JSON encoder or web page can take) by U+FFFD, composes it (NFC), and drops
control and invisible direction-changing characters (newlines and tabs stay)::

    >>> clean("hi \\ud800\\x00 there\\u202e", 100)
    ('hi \\ufffd there', '')
    >>> clean("abcdef", 3)
    ('abc', 'Your message was cut to its first 3 characters.')
"""
from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline; bidi embeddings/overrides/isolates; zero-width space, BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str, limit: int) -> tuple[str, str]:
    """``text`` safe to keep, show and tokenize, at most ``limit`` characters; a notice when it was cut."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    notice = ""
    if len(text) > limit:
        text, notice = text[:limit], f"Your message was cut to its first {limit:,} characters."
    # surrogate pairs written as two code points are joined; lone surrogates become U+FFFD
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _INVISIBLE.sub("", text).strip(), notice


def clean_value(text: str, limit: int) -> str:
    """``clean`` for a field that is not a message (a tool argument, a saved user id): no notice."""
    return clean(text, limit)[0]

"""Text from outside (chat messages, tool arguments, profile fields) made safe once, where it enters.

``clean`` cuts the text to a size, replaces invalid Unicode (a lone surrogate such as ``"\\ud800"``,
which no tokenizer, JSON encoder or web page can take) by U+FFFD, composes it (NFC), and drops
control and invisible direction-changing characters (newlines and tabs stay)::

    >>> clean("hi \\ud800\\x00 there\\u202e", 100)
    ('hi \\ufffd there', '')
    >>> clean("abcdef", 3)
    ('abc', 'Your message was 6 characters; I read the first 3.')

A message is cleaned once, where it enters: ``read`` gives a :class:`Message`, which the page shows
and hands to ``Recommender.stream`` as it is (the agent reads a plain ``str`` itself)::

    >>> read(Message("abc"), 100) == Message("abc")
    True
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# C0/C1 controls except tab and newline; bidi embeddings/overrides/isolates; zero-width space, BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(text: str, limit: int) -> tuple[str, str]:
    """``text`` safe to keep, show and tokenize, at most ``limit`` characters; a notice when it was cut."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    notice = ""
    if len(text) > limit:
        text, notice = text[:limit], f"Your message was {len(text):,} characters; I read the first {limit:,}."
    # surrogate pairs written as two code points are joined; lone surrogates become U+FFFD
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _INVISIBLE.sub("", text).strip(), notice


def clean_value(text: str, limit: int) -> str:
    """``clean`` for a field that is not a message (a tool argument, a saved user id): no notice."""
    return clean(text, limit)[0]


@dataclass(frozen=True)
class Message:
    """A message after :func:`clean`: the text to read and show, and the notice when it was cut."""

    text: str
    notice: str = ""


def read(message: str | Message, limit: int) -> Message:
    """``message`` as a :class:`Message` of at most ``limit`` characters: a ``str`` through :func:`clean`
    (the one boundary), a ``Message`` as it is unless it is longer than ``limit``."""
    if isinstance(message, Message) and len(message.text) <= limit:
        return message
    if isinstance(message, Message):
        text, notice = clean(message.text, limit)
        return Message(text, notice)
    return Message(*clean(message, limit))


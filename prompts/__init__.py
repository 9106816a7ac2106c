"""Prompt templates, loaded as package data."""
from importlib.resources import files


def load(name: str) -> str:
    """Text of ``prompts/<name>`` (e.g. ``"rank.txt"``)."""
    try:
        return files(__name__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise FileNotFoundError(f"prompt template {name!r} not found in prompts/") from e

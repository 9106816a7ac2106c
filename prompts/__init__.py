"""Prompt templates, loaded as package data."""

# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.prompts":
    raise ImportError(f"import kgrec.prompts, not {__name__} (pip install -e . installs it as kgrec.prompts)")
from importlib.resources import files


def load(name: str) -> str:
    """Text of ``prompts/<name>`` (e.g. ``"rank.txt"``)."""
    try:
        return files(__name__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise FileNotFoundError(f"prompt template {name!r} not found in prompts/") from e

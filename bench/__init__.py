"""bench: how fast and how big kgrec is (``kgrec bench``, ``python -m kgrec.bench.X``); quality is ``evaluation/``."""

# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.bench":
    raise ImportError(f"import kgrec.bench, not {__name__} (pip install -e . installs it as kgrec.bench)")

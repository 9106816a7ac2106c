"""kg: the knowledge graph — building, linking, retrieval, paths, verbalization. Never imports torch."""

# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.kg":
    raise ImportError(f"import kgrec.kg, not {__name__} (pip install -e . installs it as kgrec.kg)")

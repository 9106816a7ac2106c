# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.ui":
    raise ImportError(f"import kgrec.ui, not {__name__} (pip install -e . installs it as kgrec.ui)")


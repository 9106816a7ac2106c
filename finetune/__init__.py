# one name per module: the folder is importable bare from the repository root; refuse that
if __name__ != "kgrec.finetune":
    raise ImportError(f"import kgrec.finetune, not {__name__} (pip install -e . installs it as kgrec.finetune)")


"""One import name: every module is ``kgrec.<package>...``; nothing imports a bare ``agent`` or ``kg``
(from the repository root that would load a second copy of each module), and pyproject lists every package."""
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("agent", "kg", "ui", "finetune", "evaluation", "bench", "prompts")
BARE = re.compile(r"^[ \t]*(?:>>> )?(?:from|import) (?:%s)(?:[.\s]|$)" % "|".join(PACKAGES), re.M)


def python_files() -> list[Path]:
    found = [p for p in REPO.glob("*.py")]
    for folder in (*PACKAGES, "tests"):
        found += [p for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts]
    return found


def test_no_file_imports_a_bare_package_name():
    bad = [f"{path.relative_to(REPO)}:{text[:m.start()].count(chr(10)) + 1}" for path in python_files()
           for text in [path.read_text(encoding="utf-8")] for m in BARE.finditer(text)]
    assert not bad, f"import kgrec.<package>, never the bare name: {bad[:20]}"


def test_a_bare_import_from_the_repository_root_is_refused():
    for package in PACKAGES:
        done = subprocess.run([sys.executable, "-c", f"import {package}"], cwd=REPO, capture_output=True, text=True)
        assert done.returncode != 0 and f"import kgrec.{package}, not {package}" in done.stderr, package


def test_pyproject_lists_every_package():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {"kgrec"} | {"kgrec." + ".".join(init.parent.relative_to(REPO).parts)
                         for package in PACKAGES for init in (REPO / package).rglob("__init__.py")}
    assert listed == found, f"run restructure.py again (or edit pyproject's packages): {sorted(listed ^ found)}"

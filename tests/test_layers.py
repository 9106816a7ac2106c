"""The dependency rules of DEVELOPERS.md hold: ``lint-imports`` checks the contracts in pyproject.toml
(layers ui | evaluation > agent > kg, no finetune in runtime, no torch in kg, no gradio in agent, no
import cycle inside a package), imports inside functions included."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept():
    pytest.importorskip("importlinter", reason="import-linter is in the dev extra: pip install -e .[dev]")
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert command, "import-linter is installed but its lint-imports command is not on the path"
    done = subprocess.run([command, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout

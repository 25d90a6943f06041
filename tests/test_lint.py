"""The code base stays ruff-clean: the same check a developer runs."""

import shutil
import subprocess
import sys

from trainer.settings import PROJECT_ROOT


def test_ruff_check_is_clean() -> None:
    ruff = shutil.which("ruff") or str(PROJECT_ROOT / ".venv" / "bin" / "ruff")
    result = subprocess.run([ruff, "check", str(PROJECT_ROOT)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sys.version_info >= (3, 11)

"""Shared fixtures: the shipped catalog, and settings pointing at a temporary database."""

from pathlib import Path

import pytest

from trainer.catalog import Catalog, load_catalog
from trainer.settings import PROJECT_ROOT, Settings


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(Settings(personas_dir=PROJECT_ROOT / "personas", rubrics_dir=PROJECT_ROOT / "rubrics"))


@pytest.fixture
def sessions_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every CLI call in a test writes to its own SQLite file, never to sessions/."""
    folder = tmp_path / "sessions"
    monkeypatch.setenv("CALLCOACH_SESSIONS_DIR", str(folder))
    monkeypatch.setenv("CALLCOACH_PERSONAS_DIR", str(PROJECT_ROOT / "personas"))
    monkeypatch.setenv("CALLCOACH_RUBRICS_DIR", str(PROJECT_ROOT / "rubrics"))
    monkeypatch.delenv("CALLCOACH_DATABASE_URL", raising=False)
    return folder

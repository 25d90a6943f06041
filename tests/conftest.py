"""Shared fixtures: the shipped catalog, and settings pointing at a temporary database."""

from collections.abc import Iterator
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


@pytest.fixture(scope="module")
def own_sessions_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Whatever the product keeps under the default sessions folder (speech caches, logs)
    goes to a temporary folder during a module, never to the project's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CALLCOACH_SESSIONS_DIR", str(tmp_path_factory.mktemp("default-sessions")))
        yield


def app_settings(folder: Path, **overrides: object) -> Settings:
    """The shipped personas and rubrics; sessions, database and users under `folder`."""
    fields: dict[str, object] = {
        "personas_dir": PROJECT_ROOT / "personas",
        "rubrics_dir": PROJECT_ROOT / "rubrics",
        "sessions_dir": folder / "sessions",
        "database_url": None,
        "users_file": folder / "users.json",
        "warm_voices": False,  # every persona's lines at start: minutes of CPU a test does not need
    }
    return Settings(**{**fields, **overrides})


URGENT = "I know every minute costs you money, so I will personally stay on this until it is fixed."


def play(room, viewer, persona: str = "escalated", replies: tuple[str, ...] = (URGENT,)) -> str:
    """A whole typed call through a `PracticeRoom`, ended if the replies did not end it; returns
    its session id."""
    view = room.start(viewer, persona, "coach", seed=0)
    for text in replies:
        view = room.reply_text(viewer, view.token, text)
        if view.ended:
            break
    if not view.ended:
        room.end(viewer, view.token)
    return room.log.list(trainee=viewer.name)[0].id


def warm_espeak_cache(persona_id: str, folder: Path) -> Path:
    """A persona's scripted lines spoken once by espeak-ng into `folder`: a call that uses it
    has nothing left to synthesize in its background warm-up."""
    from trainer.call import warm_lines
    from trainer.tts import CustomerVoice, EspeakEngine

    catalog = load_catalog(Settings(personas_dir=PROJECT_ROOT / "personas", rubrics_dir=PROJECT_ROOT / "rubrics"))
    persona = catalog.persona(persona_id)
    CustomerVoice(persona.voice, folder, engine=EspeakEngine()).warm(warm_lines(persona))
    return folder

"""LLM customers from the app (issue 7): the engine switch exists only with an endpoint, a
whole call runs through the practice room against a server speaking the OpenAI protocol,
and a broken endpoint falls back to scripted lines with the call intact."""

from pathlib import Path

import pytest
from conftest import app_settings
from fake_openai import FakeOpenAI, Reply, closed_port_url

from trainer.app.access import Viewer
from trainer.app.practice import PracticeRoom
from trainer.formats.errors import TrainerError
from trainer.sessionlog import SessionLog
from trainer.users import Role

ALICE = Viewer("alice", Role.trainee)
LINE = "I have twelve reps sitting idle. What are you going to do about it?"


def _room(tmp_path: Path, url: str | None) -> tuple[PracticeRoom, SessionLog]:
    settings = app_settings(
        tmp_path,
        openai_base_url=url,
        openai_api_key="k" if url else None,
        llm_model="fake-model" if url else None,
        llm_timeout=3.0,
    )
    log = SessionLog(settings.resolved_database_url())
    return PracticeRoom(settings, log, voice=False), log


def test_without_an_endpoint_the_switch_is_hidden_and_llm_is_refused(tmp_path: Path) -> None:
    room, _ = _room(tmp_path, None)
    assert room.llm_model() is None
    with pytest.raises(TrainerError, match="no LLM endpoint is configured"):
        room.start(ALICE, "escalated", "coach", seed=0, engine="llm")


def test_a_whole_llm_call_from_the_practice_room(tmp_path: Path) -> None:
    with FakeOpenAI(default=Reply(text=LINE)) as fake:
        room, log = _room(tmp_path, fake.base_url)
        assert room.llm_model() == "fake-model"
        view = room.start(ALICE, "escalated", "coach", seed=0, engine="llm")
        assert view.messages[0]["content"].endswith(LINE)
        view = room.reply_text(ALICE, view.token, "I know every minute this is down costs you. I'm on it right now.")
        view = room.reply_text(ALICE, view.token, "You don't need to hold, I'll email you the moment it's fixed.")
        if not view.ended:
            view = room.end(ALICE, view.token)
    assert view.ended and "Scorecard" in view.scorecard
    [summary] = log.list(trainee="alice")
    session = log.get(summary.id)
    assert summary.engine == "llm"
    assert {t["customer_engine"] for t in session["turns"]} == {"llm"}


def test_a_dead_endpoint_falls_back_to_scripted_lines_and_says_so(tmp_path: Path) -> None:
    room, log = _room(tmp_path, closed_port_url())
    view = room.start(ALICE, "escalated", "coach", seed=0, engine="llm")
    assert "LLM endpoint unavailable" in view.status
    view = room.reply_text(ALICE, view.token, "I know every minute this is down costs you. I'm on it right now.")
    assert "LLM endpoint unavailable" not in view.status
    view = room.reply_text(ALICE, view.token, "I'll fix this myself and email you the moment it's back.")
    assert "LLM endpoint unavailable" not in view.status  # said once, the call goes on
    assert len(view.messages) >= 4
    [summary] = log.list(trainee="alice")
    assert {t["customer_engine"] for t in log.get(summary.id)["turns"]} == {"scripted-fallback"}

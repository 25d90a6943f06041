"""The session log on a real PostgreSQL server, as a support floor would run it.

A throwaway cluster is made with the machine's own PostgreSQL (initdb, pg_ctl) on a
Unix socket in a temporary folder; no network, nothing left behind.
"""

import os
import shutil
from collections.abc import Iterator

import pytest
from servers import PG_BIN, postgres

from trainer.call import Call, CallOptions
from trainer.sessionlog import SessionLog

if (PG_BIN is None or shutil.which("psql") is None) and os.environ.get("CI"):
    pytest.fail("PostgreSQL is not installed: the README's test command installs it", pytrace=False)
pytestmark = pytest.mark.skipif(
    PG_BIN is None or shutil.which("psql") is None, reason="no PostgreSQL server binaries (bash scripts/setup test)"
)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg")
    with postgres() as url:
        yield url


def test_a_call_is_logged_turn_by_turn_in_postgres(catalog, postgres_url: str) -> None:
    log = SessionLog(postgres_url)
    call = Call(
        catalog.personas["cursing"],
        list(catalog.rubrics.values()),
        log=log,
        options=CallOptions(trainee="pg-tester", seed=3),
    )
    call.open()
    call.reply("I can hear how frustrating this is, let's get it fixed together.")
    mid_call = SessionLog(postgres_url).get(call.session_id)
    assert [t["reply"] for t in mid_call["turns"]][:1] == [
        "I can hear how frustrating this is, let's get it fixed together."
    ]
    assert mid_call["outcome"] == "in_progress"

    call.reply("I'm here to help, but swearing at me only gets in the way.")
    card = call.finish()
    stored = SessionLog(postgres_url).get(call.session_id)
    assert stored["overall"] == card.overall
    assert stored["scorecard"]["rubrics"]["boundaries"]["applicable"] is True
    assert [s.trainee for s in SessionLog(postgres_url).list(trainee="pg-tester")] == ["pg-tester"]

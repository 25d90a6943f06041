"""Speed figures, printed: how long a trainee waits, and where the time goes.

`bench turn`: from a submitted 5 s spoken reply to the customer's answer being ready to
play (transcription, detection and grading, the customer's decision, synthesis, the log).
`bench detector`: per-reply latency and throughput of the behaviour detector.
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from trainer.call import Call, CallOptions, CallVoice, warm_lines
from trainer.catalog import Catalog
from trainer.detector import BehaviourDetector
from trainer.formats.corpus import LabelledRow
from trainer.sessionlog import SessionLog
from trainer.settings import Settings
from trainer.tts.trainee import speak_as_trainee

# A long run reports `progress(done, total)` to whoever shows it (the command line: a bar).
Progress = Callable[[int, int], object]
FIVE_SECOND_REPLY = "I can hear how frustrating this is, and I'm going to fix it for you myself, right now."  # 5.3 s
STAGES = ("transcription", "detection", "customer", "synthesis", "log")
# first_audio: from the end of transcription to the first customer audio ready (streamed
# LLM lines are voiced sentence by sentence); reply->audio adds the transcription.


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _summary(name: str, values: list[float], unit: float = 1.0, suffix: str = "s") -> str:
    p50, p95 = percentile(values, 50) * unit, percentile(values, 95) * unit
    mean = statistics.mean(values) * unit
    return f"{name:<14} p50 {p50:7.3f} {suffix}   p95 {p95:7.3f} {suffix}   mean {mean:7.3f} {suffix}"


def bench_turn(
    settings: Settings,
    catalog: Catalog,
    persona_id: str,
    turns: int,
    customer_factory: Callable | None = None,
    progress: Progress | None = None,
) -> str:
    """Time `turns` spoken turns (after one warm-up turn); `progress(done, total)` after each."""
    persona = catalog.persona(persona_id)
    with tempfile.TemporaryDirectory(prefix="callcoach-bench-") as folder:
        local = settings.model_copy(update={"sessions_dir": Path(folder), "database_url": None})
        voice = CallVoice.from_settings(local, persona)
        reply = speak_as_trainee(FIVE_SECOND_REPLY, Path(folder) / "reply.wav")
        spoken = _duration(reply)
        voice.customer.warm(warm_lines(persona))  # scripted lines are synthesized ahead
        log = SessionLog(local.resolved_database_url())
        totals: list[float] = []
        first: list[float] = []
        stages: dict[str, list[float]] = {s: [] for s in STAGES}
        for n in range(turns + 1):
            customer = customer_factory(persona, n) if customer_factory else None
            call = Call(
                persona,
                list(catalog.rubrics.values()),
                log=log,
                voice=voice,
                options=CallOptions(trainee="bench", seed=n),
                customer=customer,
            )
            call.open()
            call.close()  # no background warm-up competing with the measured turn
            started = time.perf_counter()
            result = call.reply_audio(reply)
            elapsed = time.perf_counter() - started
            call.finish()
            if progress is not None:
                progress(n + 1, turns + 1)
            if n == 0:
                continue  # warm-up: first use of the models
            totals.append(elapsed)
            first.append(
                result.seconds.get("transcription", 0.0)
                + result.seconds.get("detection", 0.0)
                + result.seconds["first_audio"]
            )
            for stage in STAGES:
                stages[stage].append(result.seconds.get(stage, 0.0))
    lines = [
        f"bench turn: persona {persona_id}, {turns} turns, customer {(customer_factory and 'llm') or 'scripted'}, "
        f"stt {voice.transcriber.name}, tts {voice.customer.engine.name}, reply {spoken}",
        _summary("reply->audio", totals),
        _summary("first audio", first),
        *[_summary(stage, values) for stage, values in stages.items()],
    ]
    return "\n".join(lines)


def _duration(path: Path) -> str:
    import soundfile

    return f"{soundfile.info(str(path)).duration:.1f} s of speech"


def bench_detector(
    detector: BehaviourDetector, rows: list[LabelledRow], rounds: int = 3, progress: Progress | None = None
) -> str:
    """Load, warm up, then time every row `rounds` times; `progress(done, total)` as the rows go by
    (every 100 rows, outside the timed calls)."""
    started = time.perf_counter()
    first = rows[0]
    detector.detect(first.reply, first.customer, first.archetype, first.learning_style)  # loads every layer
    loaded = time.perf_counter() - started
    for row in rows[:50]:  # warm-up
        detector.detect(row.reply, row.customer, row.archetype, row.learning_style)
    latencies: list[float] = []
    started = time.perf_counter()
    total = rounds * len(rows)
    for _ in range(rounds):
        for row in rows:
            t = time.perf_counter()
            detector.detect(row.reply, row.customer, row.archetype, row.learning_style)
            latencies.append(time.perf_counter() - t)
            if progress is not None and (len(latencies) % 100 == 0 or len(latencies) == total):
                progress(len(latencies), total)
    wall = time.perf_counter() - started
    return "\n".join(
        [
            f"bench detector: {detector.name}, {len(rows)} replies x {rounds} rounds, one thread",
            f"load           {loaded:.2f} s (every layer, with the first reply)",
            _summary("per reply", latencies, 1000, "ms"),
            f"throughput     {len(latencies) / wall:,.0f} replies/s",
        ]
    )

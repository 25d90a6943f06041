"""`trainer bench load`: N simulated trainees on a real server, through its HTTP API.

Each trainee logs in (gradio_client), starts a call, and answers the customer with real
spoken turns: WAV recordings of a good call's replies, uploaded and transcribed like a
microphone's. A trainee behaves in real time: they listen to the customer's line (its audio
plays as long as it lasts) and then speak for as long as their recording lasts (starts are
spread over the first seconds); nobody sends faster than a person can listen and talk.
Meanwhile one more trainee types, so the figures show whether typing
waits behind speech. With `--processes 3` the server is three `trainer serve` processes behind
nginx (`deploy/nginx.conf`) sharing one database, and `--kill-one` kills one with -9 midway:
its trainees resume their calls on another process, and the log is checked for every turn a
trainee was answered on. Loopback only; bounded by `--timeout`.
"""

import contextlib
import random
import secrets
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from trainer.bench import Progress, percentile
from trainer.deploy import (
    cpu_seconds,
    free_port,
    kill_hard,
    peak_memory_mb,
    running_nginx,
    serve_process,
    wait_for,
)
from trainer.sessionlog import SessionLog
from trainer.settings import PROJECT_ROOT, Settings
from trainer.tts.trainee import speak_as_trainee
from trainer.users import Role, UserStore

SCRIPT = PROJECT_ROOT / "tests" / "calls" / "escalated" / "good_1.txt"
TYPED = [
    "I'm sorry, Marcus, that sounds like a nightmare for the clinic.",
    "When did the appointments stop showing up in Outlook?",
    "I want to help you with this, and I will stay on it with you.",
    "Okay, open Settings, then Integrations, then Calendar.",
    "What do you see on that page now?",
    "Click Reconnect and sign in with your new Microsoft password.",
]


@dataclass
class Figures:
    starts: list[float] = field(default_factory=list)
    turns: list[float] = field(default_factory=list)
    typed: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    resumed: int = 0
    answered: dict[str, int] = field(default_factory=dict)  # trainee -> replies the server answered
    lock: threading.Lock = field(default_factory=threading.Lock)
    expected: int = 0  # spoken turns the trainees will send
    progress: Progress | None = None

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            getattr(self, kind).append(seconds)
            if kind == "turns" and self.progress is not None:
                self.progress(len(self.turns), self.expected)


def _recordings(folder: Path, turns: int) -> list[tuple[Path, float]]:
    import soundfile

    lines = [line for line in SCRIPT.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    made = []
    for n, line in enumerate(lines[:turns]):
        path = speak_as_trainee(line, folder / f"turn-{n}.wav")
        made.append((path, soundfile.info(str(path)).duration))
    return made


def _warm_cache(settings: Settings) -> Path:
    """The persistent voice cache of these settings, with the bench personas' scripted lines in it
    (what `trainer serve` does for every persona in the background at start; here, before the
    clock runs)."""
    from trainer.call import CallVoice, warm_lines
    from trainer.catalog import load_catalog

    catalog = load_catalog(settings)
    for persona in (catalog.persona("escalated"), catalog.persona("cursing")):  # the two the bench plays
        CallVoice.from_settings(settings, persona).customer.warm(warm_lines(persona))
    return (settings.sessions_dir / "cache" / "tts").resolve()


def _trainee(client, url: str, name: str, password: str, recordings, figures: Figures, deadline: float, spoken: bool):
    from gradio_client import handle_file

    time.sleep(random.uniform(0, 3))  # trainees do not all press Start in the same instant
    pace = random.uniform(0.85, 1.2)  # and each speaks at their own rate
    started = time.perf_counter()
    outputs = client.predict("escalated", "coach", api_name="/start_call")
    figures.add("starts", time.perf_counter() - started)
    done = 0
    for path, seconds in recordings:
        if time.monotonic() > deadline:
            return
        time.sleep(_heard_for(outputs))  # the trainee listens to the customer's line, then answers
        time.sleep((seconds if spoken else 2.0) * pace)  # saying it takes about as long as the recording
        sent = time.perf_counter()
        try:
            if spoken:
                outputs = client.predict(handle_file(str(path)), "coach", api_name="/reply_audio")
            else:
                outputs = client.predict(TYPED[0], "coach", api_name="/reply_text")
        except Exception as exc:  # the process behind this trainee died: resume elsewhere, once
            figures.errors.append(f"{name}: {type(exc).__name__}")
            client = _client(url, name, password)
            client.predict(api_name="/resume_call")
            with figures.lock:
                figures.resumed += 1
            continue
        figures.add("turns", time.perf_counter() - sent)
        done += 1
        with figures.lock:
            figures.answered[name] = done


def _heard_for(outputs) -> float:
    """How long the customer's line (the downloaded audio output) plays, in seconds."""
    import soundfile

    audio = outputs[1] if isinstance(outputs, tuple | list) and len(outputs) > 1 else None
    path = audio.get("path") if isinstance(audio, dict) else audio  # not downloaded: the server's file
    with contextlib.suppress(Exception):
        if isinstance(path, str) and Path(path).is_file():
            return float(soundfile.info(path).duration)
    return 3.0


def _typist(url: str, password: str, figures: Figures, stop: threading.Event) -> None:
    client = _client(url, "typist", password)
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a call per round of lines; a dead process: the next one
            client.predict("cursing", "coach", api_name="/start_call")
            for line in TYPED:
                if stop.wait(1.5):
                    return
                sent = time.perf_counter()
                client.predict(line, "coach", api_name="/reply_text")
                figures.add("typed", time.perf_counter() - sent)
            client.predict("coach", api_name="/end_call")
        if stop.wait(0.5):
            return


def bench_load(
    settings: Settings,
    trainees: int,
    spoken: bool = True,
    turns: int = 5,
    processes: int = 1,
    kill_one: bool = False,
    timeout: float = 600.0,
    progress: Progress | None = None,
) -> str:
    """Run the load and return the figures as printable lines; `progress(done, total)` after each
    trainee's turn the server answers."""
    with tempfile.TemporaryDirectory(prefix="callcoach-load-") as folder:
        root = Path(folder)
        password = secrets.token_urlsafe(12)
        store = UserStore(root / "users.json")
        names = [f"trainee{n:02d}" for n in range(trainees)]
        for name in [*names, "typist"]:
            store.add(name, Role.trainee, password)
        recordings = _recordings(root, turns)
        (root / "sessions" / "cache").mkdir(parents=True)
        cache = _warm_cache(settings)  # as on any server that has run before: lines already spoken
        (root / "sessions" / "cache" / "tts").symlink_to(cache, target_is_directory=True)
        database = settings.database_url or f"sqlite:///{root / 'sessions' / 'callcoach.db'}"
        env = {
            "CALLCOACH_DATABASE_URL": database,
            "CALLCOACH_SESSIONS_DIR": str(root / "sessions"),
            "CALLCOACH_USERS_FILE": str(root / "users.json"),
            "CALLCOACH_PERSONAS_DIR": str(settings.personas_dir),
            "CALLCOACH_RUBRICS_DIR": str(settings.rubrics_dir),
            "GRADIO_ANALYTICS_ENABLED": "False",
        }
        ports = [free_port() for _ in range(processes)]
        servers = [serve_process(p, env, voice=True) for p in ports]
        try:
            for port, server in zip(ports, servers, strict=True):
                wait_for(f"http://127.0.0.1:{port}/", server)
            with contextlib.ExitStack() as stack:
                url = f"http://127.0.0.1:{ports[0]}/"
                if processes > 1:
                    url = stack.enter_context(running_nginx(ports, free_port()))
                figures = Figures(expected=trainees * len(recordings), progress=progress)
                killed = _run(url, names, password, recordings, servers, spoken, kill_one, timeout, figures)
            memory = [peak_memory_mb(s.pid) for s in servers]
            cpu = [cpu_seconds(s.pid) for s in servers]
            lost = _lost_turns(SessionLog(database), figures)
        finally:
            for server in servers:
                if server.poll() is None:
                    kill_hard(server)
    return _report(trainees, spoken, processes, figures, memory, killed, lost) + _cpu_line(cpu)


def _cpu_line(server_cpu: list[float]) -> str:
    import resource

    mine = resource.getrusage(resource.RUSAGE_SELF)
    return (
        f"\ncpu        servers {sum(server_cpu):.0f} s, the simulated trainees themselves "
        f"{mine.ru_utime + mine.ru_stime:.0f} s (same machine)"
    )


def _run(url, names, password, recordings, servers, spoken, kill_one, timeout, figures: Figures) -> bool:
    stop = threading.Event()
    deadline = time.monotonic() + timeout
    typist = threading.Thread(target=_typist, args=(url, password, figures, stop), daemon=True)
    typist.start()
    clients = _logged_in(url, names, password)  # each browser loads the page once, before its calls
    threads = [
        threading.Thread(
            target=_guarded,
            args=(_trainee, figures, clients[n], url, n, password, recordings, figures, deadline, spoken),
        )
        for n in names
    ]
    for thread in threads:
        thread.start()
    killed = False
    if kill_one and len(servers) > 1:
        time.sleep(sum(s for _, s in recordings) / 2 + 4)  # midway through the calls
        kill_hard(servers[-1])
        killed = True
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic()))
    stop.set()
    typist.join(10)
    return killed


def _logged_in(url: str, names: list[str], password: str) -> dict:
    """A gradio_client per trainee: log in and read the app's API, like a browser loading the page."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        made = pool.map(lambda n: _client(url, n, password), names)
        return dict(zip(names, made, strict=True))


def _client(url: str, name: str, password: str):
    """A trainee's client. It does not download the customer's audio: the load generator runs on
    the server's own two cores, and a browser fetches audio on the trainee's machine."""
    from gradio_client import Client

    return Client(url, auth=(name, password), verbose=False, download_files=False)


def _guarded(job, figures: Figures, *args) -> None:
    try:
        job(*args)
    except Exception as exc:  # reported, never raised out of a thread
        figures.errors.append(f"{args[2]}: {type(exc).__name__}: {exc}"[:200])


def _lost_turns(log: SessionLog, figures: Figures) -> int:
    """Replies a trainee was answered on that the log does not hold."""
    lost = 0
    for name, answered in figures.answered.items():
        logged = sum(max(0, s.turns - 1) for s in log.list(trainee=name))
        lost += max(0, answered - logged)
    return lost


def _report(trainees, spoken, processes, figures: Figures, memory, killed, lost) -> str:
    def line(name: str, values: list[float]) -> str:
        if not values:
            return f"{name:<11} (none)"
        return (
            f"{name:<11} p50 {percentile(values, 50):.2f} s  p95 {percentile(values, 95):.2f} s  "
            f"max {max(values):.2f} s  (n={len(values)})"
        )

    kind = "spoken" if spoken else "typed"
    lines = [
        f"bench load: {trainees} trainees, {kind} turns, {processes} process(es)"
        + (", one killed with -9 midway" if killed else ""),
        line("turn", figures.turns),
        line("call start", figures.starts),
        line("typed turn", figures.typed) + "  (one more trainee typing throughout)",
        f"errors     {len(figures.errors) - figures.resumed}"
        + (f"  ({figures.resumed} calls resumed on another process)" if figures.resumed else ""),
        f"lost turns {lost}",
        "server peak memory " + ", ".join(f"{m:.0f} MB" for m in memory),
    ]
    if figures.errors and len(figures.errors) > figures.resumed:
        lines.append("first errors: " + "; ".join(figures.errors[:3]))
    if figures.turns:
        lines.append(f"mean turn {statistics.mean(figures.turns):.2f} s")
    return "\n".join(lines)

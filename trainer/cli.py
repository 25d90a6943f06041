"""`trainer ...`: a thin shell over the library. Errors are one line on stderr, exit 2."""

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from trainer.audio import AudioError
from trainer.call import Call, CallOptions, CallVoice
from trainer.catalog import Catalog, load_catalog
from trainer.corrections import write_rows
from trainer.customer.difficulty import at_level
from trainer.detector import BehaviourDetector, detected_ids, offline_detector
from trainer.detector.confidence import counted
from trainer.evaluation import evaluate, format_report
from trainer.formats import FormatError, Persona, load_persona
from trainer.formats.call import Scorecard, Turn
from trainer.formats.corpus import LabelledRow, ReplyRow, read_jsonl
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Difficulty
from trainer.prosody.evaluate import add_arguments as add_calm_arguments
from trainer.scoring.outcome import UNRESOLVED_CAP, outcome_words
from trainer.sessionlog import SessionLog
from trainer.sessionlog.store import AUDIT_ACTIONS
from trainer.settings import PROJECT_ROOT, Settings, load_settings
from trainer.tts.trainee import speak_as_trainee

AUDIO_SUFFIXES = {".wav", ".ogg", ".oga", ".webm", ".mp3", ".m4a", ".flac"}

MAX_SCRIPT_BYTES = 1_000_000


def _read_script(path: Path) -> list[str]:
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            raise TrainerError(f"{path}: script is larger than {MAX_SCRIPT_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TrainerError(f"{path}: script is not UTF-8 text") from exc
    except OSError as exc:
        raise TrainerError(f"{path}: cannot read script: {exc.strerror or exc}") from exc
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise TrainerError(f"{path}: script has no replies (one non-empty line per reply)")
    return lines


def _new_call(args: argparse.Namespace, settings: Settings) -> Call:
    catalog = load_catalog(settings)
    _warn_broken(catalog)
    persona = at_level(catalog.persona(args.persona), Difficulty(args.level) if getattr(args, "level", None) else None)
    customer = None
    if getattr(args, "engine", "scripted") == "llm":
        from trainer.customer.llm import LlmCustomer, llm_config  # here: openai is slow to import

        customer = LlmCustomer(persona, llm_config(settings), args.seed, notify=_warn)
    log = None if args.no_log else SessionLog(settings.resolved_database_url())
    options = CallOptions(trainee=args.trainee, mode=args.mode, seed=args.seed)
    voice = CallVoice.from_settings(settings, persona) if _spoken(args) else None
    return Call(persona, list(catalog.rubrics.values()), log=log, options=options, customer=customer, voice=voice)


def _spoken(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "voice", False) or getattr(args, "audio", None))


def _audio_replies(args: argparse.Namespace, folder: Path) -> list[Path]:
    """Recorded replies in name order (--audio), or script lines spoken by the trainee voice (--voice)."""
    if args.audio:
        source = Path(args.audio)
        files = sorted(p for p in source.glob("*") if p.suffix.lower() in AUDIO_SUFFIXES) if source.is_dir() else []
        if not files:
            raise TrainerError(f"{source}: no recordings (WAV, ogg, webm, mp3 or m4a files, one per turn)")
        return files
    return [
        speak_as_trainee(line, folder / f"reply-{n:02d}.wav") for n, line in enumerate(_read_script(Path(args.script)))
    ]


def _warn(message: str) -> None:
    print(f"trainer: warning: {message}", file=sys.stderr)


def _warn_broken(catalog: Catalog) -> None:
    for error in catalog.errors:
        print(f"trainer: warning: skipped {error}", file=sys.stderr)


def _progress_shown() -> bool:
    """Bars only for a person watching: a terminal on stderr. CI logs and piped output stay clean;
    CALLCOACH_PROGRESS=1 shows them anyway, CALLCOACH_PROGRESS=0 never."""
    forced = os.environ.get("CALLCOACH_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return sys.stderr.isatty()


@contextmanager
def _progress(what: str, unit: str, total: int | None = None) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar on stderr, driven by the library's `progress(done, total)` hooks; gone when done,
    so what the command prints after it reads as before."""
    from tqdm import tqdm

    shown = _progress_shown()
    bar = tqdm(desc=what, unit=unit, total=total, file=sys.stderr, disable=not shown, leave=False, mininterval=0.2)

    def tick(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    try:
        yield tick
    finally:
        bar.close()


def _replies(args: argparse.Namespace) -> Iterable[str]:
    """The trainee's replies: a script is read whole up front, so a bad one starts no session."""
    if args.script:
        return _read_script(Path(args.script))
    return _typed_replies()


def _typed_replies() -> Iterable[str]:
    print("(type your reply and press Enter; an empty line or Ctrl-D ends the call)")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            return
        if not line.strip():
            return
        yield line


def cmd_play(args: argparse.Namespace, settings: Settings) -> int:
    if args.voice and not args.script:
        raise TrainerError("--voice speaks a script: give it --script FILE")
    if _spoken(args):
        with tempfile.TemporaryDirectory(prefix="callcoach-voice-") as folder:
            return _play(args, settings, _audio_replies(args, Path(folder)))
    return _play(args, settings, _replies(args))


def _play(args: argparse.Namespace, settings: Settings, replies: Iterable[str | Path]) -> int:
    call = _new_call(args, settings)
    interactive = not args.script and not args.json and not args.audio
    say = print if interactive else (lambda *a, **k: None)
    say(f"{call.persona.name} ({call.persona.archetype.value}): {call.open().text}")
    sent = refused = 0
    for reply in replies:
        sent += 1
        try:
            result = call.reply_audio(reply) if isinstance(reply, Path) else call.reply(reply)
        except AudioError as exc:  # the turn is skipped and counted; the call and its log go on
            refused += 1
            print(f"trainer: warning: {getattr(reply, 'name', reply)}: {exc}", file=sys.stderr)
            continue
        if result.advice:  # heard, but the microphone could be better: "you were very quiet: ..."
            print(f"trainer: note: {getattr(reply, 'name', reply)}: {result.advice}", file=sys.stderr)
        if interactive and call.options.mode == "coach":
            for finding in result.turn.feedback:
                say(f"   {'+' if finding.points > 0 else '-' if finding.points < 0 else '='} {finding.feedback}")
        say(f"{call.persona.name} [anger {result.customer.anger}]: {result.customer.text}")
        if result.ended:
            break
    if refused:
        print(f"trainer: warning: {refused} of {sent} replies refused; the call went on without them", file=sys.stderr)
    card = call.finish()
    if args.json:
        print(json.dumps(_play_json(call, card), ensure_ascii=False))
    else:
        print(_transcript(call) if args.script else "", end="")
        print(_scorecard_text(card))
    return 0


def _play_json(call: Call, card: Scorecard) -> dict:
    return {
        "session_id": call.session_id,
        "persona": call.persona.id,
        "turns": [
            {
                "customer": t.customer.text,
                "reply": t.reply,
                "behaviours": [b.value for b in sorted(t.behaviours)],
                "anger": t.customer.anger,
                "customer_kind": t.customer.kind.value,
                "customer_engine": t.customer.engine,
                "customer_audio": t.customer.audio,
                "reply_audio": t.reply_audio,
                "transcript_engine": t.transcript_engine,
                "voice": t.voice.model_dump() if t.voice else None,
                "voice_change": sorted(t.voice_change.flags) if t.voice_change else [],
                "evidence": {d.behaviour.value: d.evidence for d in t.detections},
                "steps": t.walk.model_dump(mode="json") if t.walk else None,
                "kind": t.customer.kind.value,
                "feedback": [f.model_dump(mode="json") for f in t.feedback],
            }
            for t in call.turns
        ],
        "rubrics": {
            rid: {
                "score": s.score,
                "applicable": s.applicable,
                "findings": [f.model_dump(mode="json") for f in s.findings],
            }
            for rid, s in card.rubrics.items()
        },
        "overall": card.overall,
        "uncapped": card.uncapped,
        "level": call.persona.difficulty.value,
        "outcome": card.outcome.value,
        "fixed": card.fixed,
        "missed": [m.model_dump() for m in card.missed],
        "hard_call": card.hard_call,
    }


def _turn_text(turn: Turn, name: str) -> str:
    lines = [f"[{turn.index}] {name} (anger {turn.customer.anger}): {turn.customer.text}"]
    if turn.reply is not None:
        lines.append(f"    you: {turn.reply}")
        found = ", ".join(f"{d.behaviour.value} ({d.evidence!r})" for d in turn.detections) or "nothing"
        lines.append(f"    heard: {found}")
        if turn.walk is not None and (turn.walk.given or turn.walk.stuck):
            done = ", ".join(str(i + 1) for i in turn.walk.done) or "none"
            stuck = f"; could not follow ({turn.walk.stuck.value.replace('_', ' ')})" if turn.walk.stuck else ""
            lines.append(f"    fix steps given: {', '.join(str(i + 1) for i in turn.walk.given)}; done: {done}{stuck}")
    return "\n".join(lines)


def _transcript(call: Call) -> str:
    return "\n".join(_turn_text(t, call.persona.name) for t in call.turns) + "\n\n"


def _scorecard_text(card: Scorecard) -> str:
    lines = [f"Outcome: {outcome_words(card.outcome)}    Overall: {card.overall if card.overall is not None else '-'}"]
    if card.uncapped is not None:
        lines.append(f"  (the rubrics alone gave {card.uncapped}; an unfixed problem scores at most {UNRESOLVED_CAP})")
    for item in card.missed:
        label = "Step never carried out" if item.what == "step" else "Never asked"
        lines.append(f'  {label}: {item.about.rstrip(".")}. Try: "{item.better}"')
    for score in card.rubrics.values():
        if not score.applicable:
            continue
        lines.append(f"  {score.name}: {score.score}")
        for f in score.findings:
            sign = "+" if f.points > 0 else "-" if f.points < 0 else "="
            quote = f' - you said "{f.evidence}"' if f.evidence else ""
            lines.append(f"    {sign} [{f.where}] {f.feedback}{quote}")
            if f.quote:
                lines.append(f'        playbook: "{f.quote}"')
    if card.worst_moment is not None and card.worst_moment.tip:
        lines.append(f'Try instead at your worst moment: "{card.worst_moment.tip}"')
    if card.hard_call:
        lines.append("That was a tough call, not a failure. Take a short walk before the next one.")
    return "\n".join(lines)


def _detector(engine: str, settings: Settings) -> tuple[BehaviourDetector, str]:
    """The named detector and a title for it; the LLM judge needs its endpoint settings."""
    if engine == "llm":
        from trainer.detector.llm_judge import llm_judge  # here: openai is slow to import

        judge = llm_judge(settings)
        return judge, f"== llm: {judge.describe()} =="
    kind = "patterns only" if engine == "rules" else "patterns + n-gram model + semantic model"
    return offline_detector(engine), f"== {engine}: offline ({kind}) =="


def cmd_detect(args: argparse.Namespace, settings: Settings) -> int:
    detector, _ = _detector(args.engine, settings)
    for row in read_jsonl(Path(args.file), ReplyRow):
        found = detector.detect(row.reply, row.customer, row.archetype, row.learning_style)
        out = {
            **row.model_dump(mode="json"),
            "behaviours": [b.value for b in detected_ids(found)],
            "evidence": {d.behaviour.value: d.evidence for d in found},
            "probability": {d.behaviour.value: d.probability for d in found if d.probability is not None},
            "shown": [b.value for b in detected_ids(counted(found))],
        }
        print(json.dumps(out, ensure_ascii=False))
    return 0


def cmd_eval_detector(args: argparse.Namespace, settings: Settings) -> int:
    rows = list(read_jsonl(Path(args.file), LabelledRow))
    if not rows:
        raise TrainerError(f"{args.file}: no rows to evaluate")
    engines = ["hybrid", "llm"] if args.engine == "both" else [args.engine]
    detectors, titles = {}, {}  # every engine set up first: a missing LLM setting fails before any grading
    for engine in engines:
        detectors[engine], titles[engine] = _detector(engine, settings)
    reports = {}
    for engine, detector in detectors.items():
        if engine == "llm" or len(engines) > 1:
            print(titles[engine])
        with _progress(f"grading ({engine})", "reply", len(rows)) as tick:
            reports[engine] = evaluate(detector, rows, progress=tick)
        print(format_report(reports[engine], args.mistakes) + ("\n" if len(engines) > 1 else ""))
    if len(reports) > 1:
        from trainer.detector.llm_judge import format_comparison

        print(format_comparison(reports))
    if args.json_out:
        data = reports[engines[0]].to_json() if len(reports) == 1 else {e: r.to_json() for e, r in reports.items()}
        Path(args.json_out).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0


def _rows_of_known_personas(file: str, model, settings: Settings) -> tuple[list, Catalog]:
    """An evaluation set's rows, each naming a persona the catalog has (else one clear error)."""
    rows = list(read_jsonl(Path(file), model))
    catalog = load_catalog(settings)
    unknown = sorted({r.persona for r in rows} - set(catalog.personas))
    if unknown:
        raise TrainerError(f"{file}: unknown persona(s): {', '.join(map(str, unknown))}")
    return rows, catalog


def cmd_eval_facts(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.customer.facts import FactQuestion, question_accuracy

    rows, catalog = _rows_of_known_personas(args.file, FactQuestion, settings)
    right, total, mistakes = question_accuracy(rows, catalog.personas)
    for mistake in mistakes[: args.mistakes]:
        print(f"  {mistake}")
    answered = sum(1 for r in rows if r.topic is not None)
    print(f"questions {total} ({answered} with a fact, {total - answered} without)")
    print(f"right fact or honest don't-know: {right}/{total} {right / total:.1%}" if total else "no questions")
    return 0


def cmd_eval_steps(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.customer.steps import STEP_BAR, StepReply, step_recognition

    rows, catalog = _rows_of_known_personas(args.file, StepReply, settings)
    bars = [args.bar] if args.bar is not None else [STEP_BAR]
    if args.sweep:
        bars = [round(0.4 + 0.05 * i, 2) for i in range(9)]
    for bar in bars:
        scores = step_recognition(rows, catalog.personas, bar)
        if len(bars) == 1:
            for mistake in scores.mistakes[: args.mistakes]:
                print(f"  {mistake}")
        print(
            f"bar {bar:.2f}: replies {scores.replies}, exactly right {scores.exact}/{scores.replies}"
            f" {scores.exact / max(1, scores.replies):.1%}; steps precision {scores.precision:.3f}"
            f" recall {scores.recall:.3f}"
        )
    return 0


def cmd_eval_fit(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.customer.fit import fit_check
    from trainer.formats.corpus import LabelledRow

    rows = list(read_jsonl(Path(args.file), LabelledRow))
    catalog = load_catalog(settings)
    worst = 0.0
    for persona in catalog.personas.values():
        report = fit_check(persona, rows)
        worst = max(worst, report.rate)
        misfits = sum(report.misfits.values())
        print(f"{persona.id:<36} lines {report.lines:>5}  unfitting {misfits:>4}  {report.rate:.1%}")
        for why, n in report.misfits.most_common():
            print(f"    {n:>4}  {why}")
        for example in report.examples[: args.examples]:
            print(f"          e.g. {example}")
    print(f"worst persona: {worst:.1%} of lines do not fit the reply they answer")
    return 0


def cmd_personas_check(args: argparse.Namespace, settings: Settings) -> int:
    given = [Path(p) for p in args.paths] or [settings.personas_dir]
    paths = [f for p in given for f in (sorted(p.glob("*.y*ml")) if p.is_dir() else [p])]
    if not paths:
        raise TrainerError(f"no persona files in {', '.join(map(str, given))}")
    failed = 0
    for path in paths:
        try:
            persona = load_persona(path)
            print(f"ok    {path}: {persona.name} ({persona.archetype.value})")
            for note in persona.advice():
                print(f"note  {path}: {note}")
        except FormatError as exc:
            failed += 1
            print(f"error {exc}", file=sys.stderr)
    return 1 if failed else 0


def cmd_sessions(args: argparse.Namespace, settings: Settings) -> int:
    log = SessionLog(settings.resolved_database_url())
    if args.action == "list":
        for s in log.list(trainee=args.trainee):
            score = "-" if s.overall is None else s.overall
            flag = " rough" if s.hard_call else ""
            when = f"{s.started_at:%Y-%m-%d %H:%M}"
            print(f"{s.id[:8]}  {when}  {s.trainee:<12} {s.persona_id:<28} {s.outcome:<16} {score:>3}{flag}")
    elif args.action == "show":
        if not args.id:
            raise TrainerError("sessions show needs a session id (see 'trainer sessions list')")
        session = log.get(args.id)
        print(json.dumps(session, indent=2, ensure_ascii=False))
    elif args.action == "export":
        if not args.csv:
            raise TrainerError("sessions export needs --csv")
        _export_csv(log, args)
        log.audit("export", _operator(), f"sessions as CSV from the command line (trainee {args.trainee or 'all'})")
    return 0


def _operator() -> str:
    """Who ran a command, for the audit log: the machine account (there is no app login here)."""
    from trainer.app.access import local_name

    return f"cli:{local_name()}"


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Logins, role changes, overrides, corrections and exports, newest first."""
    if not 1 <= args.limit <= 10_000:
        raise TrainerError(f"--limit is 1 to 10000, not {args.limit}")
    log = SessionLog(settings.resolved_database_url())
    for e in log.audit_events(action=args.action, actor=args.actor, limit=args.limit):
        where = f"  from {e.address}" if e.address else ""
        print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.action:<13} {e.actor:<20} {e.detail}{where}")
    return 0


def _export_csv(log: SessionLog, args: argparse.Namespace) -> None:
    fields = [
        "id",
        "trainee",
        "persona_id",
        "archetype",
        "mode",
        "engine",
        "started_at",
        "ended_at",
        "outcome",
        "overall",
        "hard_call",
        "turns",
    ]
    rows = [{k: v for k, v in s.model_dump(mode="json").items() if k in fields} for s in log.list(trainee=args.trainee)]
    if not args.output:
        _write_csv(sys.stdout, fields, rows)
        return
    try:
        with open(args.output, "w", newline="", encoding="utf-8") as handle:
            _write_csv(handle, fields, rows)
    except OSError as exc:
        raise TrainerError(f"cannot write {args.output}: {exc.strerror or exc}") from exc


def _write_csv(handle: TextIO, fields: list[str], rows: list[dict]) -> None:
    writer = csv.DictWriter(handle, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)


def cmd_eval_stt(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.stt import shared_transcriber
    from trainer.stt.evaluate import evaluate_stt, pairs, result_line, summary

    total = len(pairs(Path(args.folder)))  # a folder without recordings fails before the model loads
    transcriber = shared_transcriber(settings.stt_engine, settings.stt_model, settings.stt_threads)
    with _progress("transcribing", "recording", total) as tick:
        scored, overall = evaluate_stt(transcriber, Path(args.folder), progress=tick)
    for s in scored:
        print(result_line(s))
    print("\n" + summary(scored, overall, transcriber.name))
    return 0


def cmd_eval_calm(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.prosody.evaluate import read_labels, render

    total = len(read_labels(Path(args.folder)))  # a bad labels.csv fails before anything is measured
    with _progress("measuring", "take", total) as tick:
        text = render(args, progress=tick)
    print(text)
    return 0


def cmd_bench_turn(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.bench import bench_turn

    settings = settings.model_copy(update={"tts_engine": args.tts}) if args.tts else settings
    catalog = load_catalog(settings)
    if args.engine != "llm":
        with _progress("bench turn", "turn", args.turns + 1) as tick:
            figures = bench_turn(settings, catalog, args.persona, args.turns, progress=tick)
        print(figures)
        return 0
    from trainer.customer.llm import LlmConfig, LlmCustomer, llm_config

    config = llm_config(settings)
    for streamed in (True, False):  # streaming voices the first sentence before the model finishes
        variant = config.model_copy(update={"stream": streamed})

        def factory(persona: Persona, seed: int, config: LlmConfig = variant) -> LlmCustomer:
            return LlmCustomer(persona, config, seed, notify=_warn)

        with _progress(f"bench turn ({'streamed' if streamed else 'whole'})", "turn", args.turns + 1) as tick:
            figures = bench_turn(settings, catalog, args.persona, args.turns, factory, progress=tick)
        print(f"-- LLM reply {'streamed' if streamed else 'waited for in whole'} --")
        print(figures + "\n")
    return 0


def cmd_bench_load(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.bench_load import SCRIPT, bench_load

    turns = sum(1 for line in SCRIPT.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    if not 1 <= args.trainees <= 200:
        raise TrainerError(f"--trainees is 1 to 200, not {args.trainees}")
    if not 1 <= args.turns <= turns:
        raise TrainerError(f"--turns is 1 to {turns} (the lines of {SCRIPT.name}), not {args.turns}")
    if not 1 <= args.processes <= 16:
        raise TrainerError(f"--processes is 1 to 16, not {args.processes}")
    if args.kill_one and args.processes < 2:
        raise TrainerError("--kill-one needs --processes 2 or more: a call resumes on another process")
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    with _progress("bench load: turns answered", "turn", args.trainees * args.turns) as tick:
        figures = bench_load(
            settings,
            args.trainees,
            spoken=not args.typed,
            turns=args.turns,
            processes=args.processes,
            kill_one=args.kill_one,
            timeout=args.timeout,
            progress=tick,
        )
    print(figures)
    return 0


def cmd_bench_voice(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.bench_voice import bench_voice

    if not 0 <= args.push_turns <= 10:
        raise TrainerError(f"--push-turns is 0 to 10, not {args.push_turns}")
    if not 1 <= args.calls <= 10:
        raise TrainerError(f"--calls is 1 to 10, not {args.calls}")
    catalog = load_catalog(settings)
    catalog.persona(args.persona)  # a clear message for an unknown id, before a browser starts
    print(bench_voice(settings, args.persona, args.push_turns, args.calls))
    return 0


def cmd_bench_detector(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.bench import bench_detector

    path = Path(args.file) if args.file else PROJECT_ROOT / "corpus" / "behaviours" / "test.jsonl"
    rows = list(read_jsonl(path, LabelledRow))
    if not rows:
        raise TrainerError(f"{path}: no rows")
    with _progress("bench detector", "reply", 3 * len(rows)) as tick:
        figures = bench_detector(offline_detector(args.engine), rows, progress=tick)
    print(figures)
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.app import serve  # here: gradio takes seconds to import, other commands must not wait

    serve(settings, host=args.host, port=args.port, voice=not args.no_voice)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """Asked twice on a terminal; one line from stdin otherwise, so scripts can create accounts."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise TrainerError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\n")


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.users import Role, UserStore

    store = UserStore(settings.resolved_users_file())
    if args.action == "add":
        if not args.name or not args.role:
            raise TrainerError("users add needs a NAME and --role trainee|trainer|manager")
        before = store.get(args.name)
        user = store.add(args.name, Role(args.role), _read_password(args), replace=args.replace)
        change = (
            f"{user.name}: new {user.role.value}"
            if before is None
            else f"{user.name}: {before.role.value} -> {user.role.value}"
        )
        SessionLog(settings.resolved_database_url()).audit("role_change", _operator(), change)
        print(f"{user.name} ({user.role.value}) saved in {store.path}")
    else:
        for user in store.load():
            print(f"{user.name:<24} {user.role.value}")
    return 0


def cmd_train_facts(args: argparse.Namespace, settings: Settings) -> int:
    from trainer.customer import fact_chooser
    from trainer.customer.facts import FactQuestion, fit_rows

    out = Path(args.out) if args.out else fact_chooser.WEIGHTS_FILE
    if not out.parent.is_dir():
        raise TrainerError(f"--out {out}: there is no folder {out.parent}")
    files = sorted((fact_chooser.QUESTIONS / "fit").glob("*.jsonl"))
    sets = {}
    for file in files:
        rows, catalog = _rows_of_known_personas(str(file), FactQuestion, settings)
        sets[file.name] = fit_rows(rows, catalog.personas)
    if args.cross_check:
        scores = fact_chooser.cross_check(sets)
        for name, (right, total) in scores.items():
            print(f"  {name:24} {right}/{total} {right / total:.1%} (fit on the other sets)")
        right, total = (sum(s[i] for s in scores.values()) for i in (0, 1))
        print(f"left-out sets: {right}/{total} {right / total:.1%}")
    weights = fact_chooser.fit([row for rows in sets.values() for row in rows], [f.name for f in files])
    fact_chooser.write_weights(weights, out)
    print(f"fact chooser fit on {weights.questions} questions from {len(files)} sets -> {out}")
    return 0


def cmd_train_detector(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from trainer.detector.learned import corrections_file, load_model, model_files

    if args.with_corrections:
        rows = _correction_rows(settings)
        write_rows(rows, corrections_file())
        print(f"{len(rows)} corrected turns from the session log -> {corrections_file()}")
    started = time.perf_counter()
    with _progress("training the behaviour model", "behaviour") as tick:
        model = load_model(settings.cache_dir, progress=tick)
    print(
        f"behaviour model ready: {len(model.behaviours)} behaviours from {len(model_files())} training files, "
        f"cached in {settings.cache_dir} ({time.perf_counter() - started:.1f} s)"
    )
    if args.with_corrections:
        from trainer.detector.semantic import load_semantic

        started = time.perf_counter()
        load_semantic(corrections=corrections_file()).probabilities("warm-up")
        print(f"semantic layer remembers the corrections ({time.perf_counter() - started:.1f} s)")
    return 0


def _correction_rows(settings: Settings) -> list:
    from trainer.corrections import correction_rows

    return correction_rows(SessionLog(settings.resolved_database_url()))


def cmd_corrections_export(args: argparse.Namespace, settings: Settings) -> int:
    rows = _correction_rows(settings)
    if args.output:
        write_rows(rows, Path(args.output))
        print(f"{len(rows)} corrected turns -> {args.output}", file=sys.stderr)
    else:
        for row in rows:
            print(row.model_dump_json(exclude_none=True))
    return 0


def _command(parent, name: str, summary: str, examples: list[str]) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with examples to copy: how it is called, not only what it takes."""
    return parent.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=_examples(examples),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _examples(examples: list[str]) -> str:
    return "example" + ("s" if len(examples) > 1 else "") + ":\n" + "\n".join(f"  {e}" for e in examples)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trainer",
        description="callcoach: practise angry support calls.",
        epilog=_examples(
            [
                "trainer play --persona escalated            # a call in the terminal",
                "trainer serve                               # the web app",
                "trainer personas check                      # validate persona files",
                "trainer COMMAND --help                      # each command, with examples",
            ]
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    play = _command(
        sub,
        "play",
        "play a call (scripted replies or interactive)",
        [
            "trainer play --persona cursing                     # an interactive call: type your replies",
            "trainer play --persona escalated --script tests/calls/escalated/good_1.txt --json",
            "trainer play --voice --persona cursing --script tests/calls/cursing/good_1.txt",
        ],
    )
    play.add_argument("--persona", required=True)
    play.add_argument("--script", help="file with one trainee reply per line")
    play.add_argument("--seed", type=int, default=0)
    play.add_argument("--json", action="store_true", help="print one JSON object")
    play.add_argument("--trainee", default=os.environ.get("USER", "trainee"))
    play.add_argument("--mode", choices=["coach", "exam"], default="coach")
    play.add_argument(
        "--level",
        choices=[d.value for d in Difficulty],
        help="play the customer easier or harder (default: as written)",
    )
    play.add_argument("--no-log", action="store_true", help="do not write the session log")
    play.add_argument(
        "--engine",
        choices=["scripted", "llm"],
        default="scripted",
        help="who words the customer's lines: the persona file, or an LLM (OPENAI_BASE_URL, CALLCOACH_LLM_MODEL)",
    )
    play.add_argument("--voice", action="store_true", help="speak each script line, transcribe and grade it")
    play.add_argument("--audio", metavar="DIR", help="play a call from recorded replies, one file per turn")
    play.set_defaults(func=cmd_play)

    detect = _command(
        sub,
        "detect",
        "add detected behaviours, and the words that showed them, to JSONL rows",
        ["trainer detect replies.jsonl --engine rules > found.jsonl"],
    )
    detect.add_argument("file")
    detect.add_argument(
        "--engine",
        choices=["hybrid", "rules", "llm"],
        default="hybrid",
        help="offline: hybrid (default) or rules alone; or the LLM judge (OPENAI_BASE_URL, CALLCOACH_LLM_MODEL)",
    )
    detect.set_defaults(func=cmd_detect)

    ev = _command(
        sub,
        "eval",
        "evaluate a component on labelled data",
        [
            "trainer eval detector corpus/behaviours/test.jsonl",
            "trainer eval facts corpus/questions/heldout.jsonl",
        ],
    )
    ev_sub = ev.add_subparsers(dest="target", required=True)
    ev_det = _command(
        ev_sub,
        "detector",
        "precision, recall and F1 per behaviour",
        [
            "trainer eval detector corpus/behaviours/test.jsonl --mistakes 5",
            "trainer eval detector corpus/behaviours/test.jsonl --engine both --json figures.json",
        ],
    )
    ev_det.add_argument("file")
    ev_det.add_argument("--json", dest="json_out", help="also write the figures as JSON to this file")
    ev_det.add_argument("--mistakes", type=int, default=15, help="how many confusions to list")
    ev_det.add_argument(
        "--engine",
        choices=["hybrid", "rules", "llm", "both"],
        default="hybrid",
        help="offline: hybrid (default) or rules alone; the LLM judge (OPENAI_BASE_URL, CALLCOACH_LLM_MODEL); "
        "or both hybrid and llm side by side",
    )
    ev_det.set_defaults(func=cmd_eval_detector)

    ev_facts = _command(
        ev_sub,
        "facts",
        "how often the customer gives the fact a question asks for, or an honest don't-know",
        ["trainer eval facts corpus/questions/heldout.jsonl"],
    )
    ev_facts.add_argument("file", help='JSONL rows {"persona", "question", "topic" or null}')
    ev_facts.add_argument("--mistakes", type=int, default=10)
    ev_facts.set_defaults(func=cmd_eval_facts)
    ev_fit = _command(
        ev_sub,
        "fit",
        "how often the customer's next line does not fit the reply it answers",
        ["trainer eval fit corpus/behaviours/test.jsonl --examples 3"],
    )
    ev_fit.add_argument("file", nargs="?", default="corpus/behaviours/test.jsonl", help="labelled replies (JSONL)")
    ev_fit.add_argument("--examples", type=int, default=2)
    ev_fit.set_defaults(func=cmd_eval_fit)
    ev_steps = _command(
        ev_sub,
        "steps",
        "how well the fix steps a reply gives are recognised",
        ["trainer eval steps tests/data/fix_steps_test.jsonl --sweep"],
    )
    ev_steps.add_argument("file", help='JSONL rows {"persona", "reply", "steps": [indices]}')
    ev_steps.add_argument("--bar", type=float, default=None, help="similarity bar (default: the shipped one)")
    ev_steps.add_argument("--sweep", action="store_true", help="print the figures for bars 0.40-0.80")
    ev_steps.add_argument("--mistakes", type=int, default=10)
    ev_steps.set_defaults(func=cmd_eval_steps)

    ev_stt = _command(
        ev_sub,
        "stt",
        "word error rate on recordings with reference transcripts beside them",
        ["python scripts/make_stt_set.py /tmp/stt-set && trainer eval stt /tmp/stt-set"],
    )
    ev_stt.add_argument("folder")
    ev_stt.set_defaults(func=cmd_eval_stt)
    ev_calm = _command(
        ev_sub,
        "calm",
        "how often angry takes are flagged against the speaker's own neutral takes, and neutral or calm ones are not",
        [
            "python -m trainer.prosody.calmset EMODB/wav .cache/calmdata",
            "trainer eval calm .cache/calmdata/emodb-heldout",
            "trainer eval calm FOLDER --mistakes 10 --quieter 12",
        ],
    )
    add_calm_arguments(ev_calm)
    ev_calm.set_defaults(func=cmd_eval_calm)

    train = _command(
        sub,
        "train",
        "train a learned component (run by scripts/setup)",
        ["trainer train detector"],
    )
    train_sub = train.add_subparsers(dest="target", required=True)
    train_det = _command(
        train_sub,
        "detector",
        "the n-gram layer of the behaviour detector",
        ["trainer train detector", "trainer train detector --with-corrections"],
    )
    train_det.add_argument(
        "--with-corrections",
        action="store_true",
        help="fold managers' corrections from the session log into the training data (kept in the sessions folder)",
    )
    train_det.set_defaults(func=cmd_train_detector)
    train_facts = _command(
        train_sub,
        "facts",
        "the fact chooser: which fact a trainee's question asks for (weights committed in trainer/customer/weights)",
        ["trainer train facts", "trainer train facts --cross-check"],
    )
    train_facts.add_argument("--cross-check", action="store_true", help="first score each set with the others fit")
    train_facts.add_argument("--out", help="write the weights here instead of the package's file")
    train_facts.set_defaults(func=cmd_train_facts)

    corrections = _command(
        sub,
        "corrections",
        "managers' corrections of the detector",
        ["trainer corrections export -o corrections.jsonl"],
    )
    corrections_sub = corrections.add_subparsers(dest="action", required=True)
    export = _command(
        corrections_sub,
        "export",
        "every corrected turn as a labelled corpus row (JSONL)",
        ["trainer corrections export -o corrections.jsonl", "trainer corrections export | head"],
    )
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_corrections_export)

    bench = _command(
        sub,
        "bench",
        "speed figures",
        ["trainer bench turn", "trainer bench detector"],
    )
    bench_sub = bench.add_subparsers(dest="target", required=True)
    b_turn = _command(
        bench_sub,
        "turn",
        "from a 5 s spoken reply to the customer's audio",
        ["trainer bench turn --turns 10", "trainer bench turn --engine llm"],
    )
    b_turn.add_argument("--persona", default="escalated")
    b_turn.add_argument("--turns", type=int, default=20)
    b_turn.add_argument("--engine", choices=["scripted", "llm"], default="scripted")
    b_turn.add_argument("--tts", choices=["piper", "espeak", "pyttsx3"], help="the customer's voice engine")
    b_turn.set_defaults(func=cmd_bench_turn)
    b_load = _command(
        bench_sub,
        "load",
        "N simulated trainees on a real server through its HTTP API",
        ["trainer bench load --trainees 10", "trainer bench load --trainees 20 --processes 3 --kill-one"],
    )
    b_load.add_argument("--trainees", type=int, default=10)
    b_load.add_argument("--spoken", action="store_true", help="spoken turns (the default)")
    b_load.add_argument("--typed", action="store_true", help="typed turns instead")
    b_load.add_argument("--turns", type=int, default=5, help="turns per call (5: the whole good call script)")
    b_load.add_argument("--processes", type=int, default=1, help="server processes (more than one: behind nginx)")
    b_load.add_argument("--kill-one", action="store_true", help="kill one process with -9 midway")
    b_load.add_argument("--database-url", help="e.g. a PostgreSQL URL shared by the processes (default: SQLite)")
    b_load.add_argument("--timeout", type=float, default=600.0)
    b_load.set_defaults(func=cmd_bench_load)
    b_voice = _command(
        bench_sub,
        "voice",
        "voice to voice in the real browser: hands-free (end of speech to the customer's first audio) "
        "and push-to-talk (click on send to first audio), and how often a trainee was cut off",
        [
            "trainer bench voice",
            "trainer bench voice --calls 3",
            "trainer bench voice --persona cursing --push-turns 0",
        ],
    )
    b_voice.add_argument("--persona", default="escalated")
    b_voice.add_argument("--push-turns", type=int, default=3, help="push-to-talk turns timed after the call")
    b_voice.add_argument("--calls", type=int, default=1, help="hands-free calls of 6 replies each (steadier p95)")
    b_voice.set_defaults(func=cmd_bench_voice)
    b_det = _command(
        bench_sub,
        "detector",
        "per-reply latency of the behaviour detector",
        ["trainer bench detector", "trainer bench detector corpus/behaviours/test.jsonl --engine rules"],
    )
    b_det.add_argument("file", nargs="?", help="JSONL rows (default: the corpus test part)")
    b_det.add_argument("--engine", choices=["hybrid", "rules"], default="hybrid")
    b_det.set_defaults(func=cmd_bench_detector)

    personas = _command(
        sub,
        "personas",
        "persona files",
        ["trainer personas check"],
    )
    personas_sub = personas.add_subparsers(dest="action", required=True)
    check = _command(
        personas_sub,
        "check",
        "validate persona files",
        ["trainer personas check", "trainer personas check personas/my_persona.yaml"],
    )
    check.add_argument("paths", nargs="*")
    check.set_defaults(func=cmd_personas_check)

    sessions = _command(
        sub,
        "sessions",
        "the session log",
        [
            "trainer sessions list --trainee dana",
            "trainer sessions show 3f2a9c1e",
            "trainer sessions export --csv -o sessions.csv",
        ],
    )
    sessions.add_argument("action", choices=["list", "show", "export"])
    sessions.add_argument("id", nargs="?")
    sessions.add_argument("--trainee")
    sessions.add_argument("--csv", action="store_true")
    sessions.add_argument("--output", "-o")
    sessions.set_defaults(func=cmd_sessions)

    serve = _command(
        sub,
        "serve",
        "the web app: practice room, review desk, persona workshop",
        ["trainer serve", "trainer serve --host 0.0.0.0 --port 8080 --no-voice"],
    )
    serve.add_argument("--host", help="default: CALLCOACH_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: CALLCOACH_PORT or 7860")
    serve.add_argument("--no-voice", action="store_true", help="typed replies only, no speech")
    serve.set_defaults(func=cmd_serve)

    audit = _command(
        sub,
        "audit",
        "who logged in, changed roles, overrode scores or exported, newest first",
        ["trainer audit --action login --limit 20"],
    )
    audit.add_argument("--action", choices=list(AUDIT_ACTIONS))
    audit.add_argument("--actor", help="one user name (cli:NAME for commands)")
    audit.add_argument("--limit", type=int, default=200, help="at most this many events (1-10000)")
    audit.set_defaults(func=cmd_audit)
    users = _command(
        sub,
        "users",
        "accounts for the web app (CALLCOACH_USERS_FILE)",
        ["trainer users add dana --role trainee", "trainer users list"],
    )
    users.add_argument("action", choices=["add", "list"])
    users.add_argument("name", nargs="?")
    users.add_argument("--role", choices=["trainee", "trainer", "manager"])
    users.add_argument("--replace", action="store_true", help="change an existing user's role or password")
    users.set_defaults(func=cmd_users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return command(args, load_settings())
    except (TrainerError, FormatError) as exc:
        print(f"trainer: error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:  # a bad CALLCOACH_* value
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]).upper()
        name = name if name.startswith("OPENAI") else f"CALLCOACH_{name}"
        print(f"trainer: error: invalid setting {name}: {err['msg']}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `trainer ... | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("trainer: interrupted; every turn already played is in the session log", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("CALLCOACH_DEBUG"):
            raise
        print(
            f"trainer: error: unexpected {exc.__class__.__name__}: {exc} (set CALLCOACH_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())

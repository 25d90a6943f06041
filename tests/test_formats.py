"""Persona and rubric files: the shipped ones are valid, broken ones say where and why."""

import time
from pathlib import Path

import pytest
import yaml

from trainer.formats import FormatError, load_persona, load_personas
from trainer.playbook import Archetype, LearningStyle
from trainer.settings import PROJECT_ROOT

ESCALATED = (PROJECT_ROOT / "personas" / "escalated.yaml").read_text()


def test_shipped_personas_cover_every_archetype_and_style(catalog) -> None:
    assert not catalog.errors
    assert len(catalog.personas) >= 8
    for archetype in Archetype:
        assert catalog.personas[archetype.value].archetype is archetype
    styles = {p.learning_style for p in catalog.personas.values()}
    assert set(LearningStyle) <= styles


def test_shipped_rubrics_are_the_playbook_defaults(catalog) -> None:
    assert set(catalog.rubrics) == {
        "calm",
        "learning_style",
        "care",
        "urgency",
        "boundaries",
        "transfers",
        "resolution",
    }
    covered = {s for r in catalog.rubrics.values() for s in r.strategies}
    assert {1, 2, 3, 4, 6, 7, 8, 9} <= covered


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def test_wrong_value_names_file_line_and_field(tmp_path: Path) -> None:
    text = ESCALATED.replace("start_anger: 75", "start_anger: furious")
    path = _write(tmp_path, "escalated", text)
    with pytest.raises(FormatError) as err:
        load_persona(path)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "start_anger" in row)
    assert f"escalated.yaml:{line}: mood.start_anger:" in str(err.value)


def test_unknown_behaviour_and_typo_field_are_reported(tmp_path: Path) -> None:
    text = ESCALATED.replace("    offers_transfer: 12", "    offers_tranfser: 12").replace(
        "difficulty: medium", "dificulty: medium"
    )
    path = _write(tmp_path, "escalated", text)
    with pytest.raises(FormatError) as err:
        load_persona(path)
    message = str(err.value)
    assert "mood.reactions.offers_tranfser" in message
    assert "dificulty" in message and "difficulty" in message  # the typo, and the field it lacks


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    lines = ESCALATED.splitlines()
    lines[5] = "name: [unclosed"
    path = _write(tmp_path, "escalated", "\n".join(lines))
    with pytest.raises(FormatError) as err:
        load_persona(path)
    assert "not valid YAML" in str(err.value)
    assert "escalated.yaml:" in str(err.value)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "someone_else", ESCALATED)
    with pytest.raises(FormatError, match="id 'escalated' must match the file name 'someone_else'"):
        load_persona(path)


def test_one_bad_persona_never_stops_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "escalated", ESCALATED)
    _write(tmp_path, "broken", "id: broken\nname: [")
    _write(tmp_path, "empty", "")
    personas, errors = load_personas(tmp_path)
    assert list(personas) == ["escalated"]
    assert sorted(e.path.name for e in errors) == ["broken.yaml", "empty.yaml"]


def test_a_persona_that_swears_needs_swearing_lines(tmp_path: Path) -> None:
    text = ESCALATED.replace("  patience: 10", "  patience: 10\n  swears_at: 80")
    path = _write(tmp_path, "escalated", text)
    with pytest.raises(FormatError, match=r"lines\.swearing"):
        load_persona(path)


def test_a_persona_written_before_steps_had_lines_still_loads_with_advice(tmp_path) -> None:
    """Plain-text fix steps (the old format) load as steps; the check says what to add."""
    text = (PROJECT_ROOT / "personas" / "escalated.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["problem"]["fix_steps"] = [step["do"] for step in data["problem"]["fix_steps"]]
    path = tmp_path / "escalated.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    persona = load_persona(path)
    assert [s.do for s in persona.problem.fix_steps] == data["problem"]["fix_steps"]
    assert persona.problem.steps_in_order and all(s.done for s in persona.problem.fix_steps)
    assert any("fix_steps.0.done" in note for note in persona.advice())
    assert load_persona(PROJECT_ROOT / "personas" / "escalated.yaml").advice() == []


def test_a_fix_step_with_an_unknown_field_is_reported_at_its_line(tmp_path) -> None:
    text = (PROJECT_ROOT / "personas" / "escalated.yaml").read_text(encoding="utf-8")
    broken = text.replace("    - do: ", "    - doo: ", 1)
    path = tmp_path / "escalated.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        load_persona(path)
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if "- doo: " in row)
    assert any(at == line and "fix_steps.0" in field for at, field, _ in caught.value.problems)


# -- a trainer's file cannot slow the server ---------------------------------------------
def test_yaml_nested_thousands_deep_is_one_clear_error_and_the_other_files_still_load(tmp_path: Path) -> None:
    _write(tmp_path, "escalated", ESCALATED)
    _write(tmp_path, "deep", "id: deep\nname: " + "[" * 5000 + "]" * 5000 + "\n")
    _write(tmp_path, "deep_block", "id: deep_block\n" + "".join("  " * i + f"k{i}:\n" for i in range(300)))
    personas, errors = load_personas(tmp_path)
    assert list(personas) == ["escalated"]
    messages = {e.path.stem: str(e) for e in errors}
    assert "nested more than" in messages["deep"] and "deep.yaml:2" in messages["deep"]
    assert "nested more than" in messages["deep_block"]


def test_aliases_that_multiply_a_file_are_refused_before_anything_walks_them(tmp_path: Path) -> None:
    """Six lines of anchors stood for a million texts: seconds of CPU per check, minutes at nine."""
    rows = ["id: laughs", 'l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    rows += [f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]" for n in range(1, 9)]
    path = _write(tmp_path, "laughs", "\n".join(rows) + "\n")
    started = time.perf_counter()
    with pytest.raises(FormatError) as caught:
        load_persona(path)
    assert time.perf_counter() - started < 1.0
    assert caught.value.problems == [(2, "", "anchors and aliases (&name, *name) are not allowed: write it out")]


def test_a_line_too_long_to_say_in_one_go_names_its_field_and_line(tmp_path: Path) -> None:
    long_line = "Listen. " * 300
    data = yaml.safe_load(ESCALATED)
    data["lines"]["angrier"][0] = long_line
    path = _write(tmp_path, "escalated", yaml.safe_dump(data, sort_keys=False, width=10_000))
    with pytest.raises(FormatError) as caught:
        load_persona(path)
    assert "lines.angrier.0" in str(caught.value) and "2400 characters; the limit is 600" in str(caught.value)
    assert f"{path}:" in str(caught.value)  # with its line


def test_a_persona_file_larger_than_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = _write(tmp_path, "escalated", ESCALATED + "\n# " + "x" * 250_000 + "\n")
    with pytest.raises(FormatError, match="larger than 200000 bytes"):
        load_persona(path)


def test_personas_are_parsed_once_and_again_only_when_the_file_changes(tmp_path: Path) -> None:
    import os

    path = _write(tmp_path, "escalated", ESCALATED)
    first, _ = load_personas(tmp_path)
    again, _ = load_personas(tmp_path)
    assert again["escalated"] is first["escalated"]  # from the cache: no parsing at a call start
    path.write_text(ESCALATED.replace("name: Dana Whitfield", "name: Dana W."), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    changed, _ = load_personas(tmp_path)
    assert changed["escalated"].name == "Dana W."


# -- a syntax error names the line a person would fix -------------------------------------
def _broken_at(tmp_path: Path, number: int, line: str, insert: bool = False) -> FormatError:
    rows = ESCALATED.splitlines()
    if insert:
        rows.insert(number - 1, line)
    else:
        rows[number - 1] = line
    path = _write(tmp_path, "escalated", "\n".join(rows) + "\n")
    with pytest.raises(FormatError) as caught:
        load_persona(path)
    return caught.value


def _row(number: int) -> str:
    return ESCALATED.splitlines()[number - 1]


@pytest.mark.parametrize(
    ("number", "broken", "said"),
    [
        # PyYAML gives up 33 lines further down, at the next quote in the file (line 47)
        (14, lambda row: row.replace(": true", ': "true'), "quote opened on this line is never closed"),
        (4, lambda row: "name: 'Dana Whitfield", "quote opened on this line is never closed"),
        (13, lambda row: "   " + row.lstrip(), "indented further than it should be"),  # 3 spaces, not 2
        (13, lambda row: " " + row.lstrip(), "indentation does not line up with line 12"),  # 1 space
        (13, lambda row: "\t" + row.lstrip(), "a tab character"),
        (13, lambda row: row.replace(":", ""), "no ':' after the field name"),
        (16, lambda row: row.replace("topic:", "topic"), "no ':' after the field name"),  # in a list item
        (17, lambda row: row.rstrip("]"), "the '[' opened on this line is never closed"),
        (19, lambda row: "   " + row, "indented further than the lines below it"),  # PyYAML: line 20
        (8, lambda row: row + ": hard", "put a text that contains ': ' in quotes"),
    ],
)
def test_a_syntax_error_is_reported_at_the_line_to_fix(tmp_path: Path, number: int, broken, said: str) -> None:
    error = _broken_at(tmp_path, number, broken(_row(number)))
    [(line, field, message)] = error.problems
    assert (line, field) == (number, ""), message
    assert message.startswith("not valid YAML: ") and said in message
    assert f"escalated.yaml:{number}: not valid YAML" in str(error)


def test_the_unclosed_quote_of_the_issue_is_at_line_14_not_where_the_parser_gave_up(tmp_path: Path) -> None:
    """The issue: an unclosed quote on line 14 was reported at line 32 (here PyYAML says 47)."""
    rows = ESCALATED.splitlines()
    rows[13] = '  technical: "true'
    text = "\n".join(rows)
    with pytest.raises(yaml.YAMLError) as parser:
        yaml.safe_load(text)
    assert parser.value.problem_mark.line + 1 > 30  # what PyYAML alone would point at
    error = _broken_at(tmp_path, 14, '  technical: "true')
    assert error.problems[0][0] == 14


def test_a_field_written_twice_names_both_lines(tmp_path: Path) -> None:
    """YAML keeps the second silently: the trainer's edit of the first seemed to do nothing."""
    error = _broken_at(tmp_path, 9, "archetype: cursing", insert=True)
    assert error.problems == [(9, "archetype", "'archetype' is already set on line 6: keep one of them")]
    nested = _broken_at(tmp_path, 94, "  start_anger: 20", insert=True)
    assert nested.problems[0][:2] == (94, "mood.start_anger") and "line 93" in nested.problems[0][2]


# -- did you mean, in plain words ---------------------------------------------------------
def test_an_unknown_field_says_what_it_likely_meant_at_its_own_level(tmp_path: Path) -> None:
    error = _broken_at(tmp_path, 9, "passmark: 70")
    assert (9, "passmark", "unknown field; did you mean 'pass_mark'?") in error.problems
    error = _broken_at(tmp_path, 6, "archtype: escalated")
    assert (6, "archtype", "unknown field; did you mean 'archetype'?") in error.problems
    assert any(field == "archetype" and "missing" in message for _, field, message in error.problems)
    error = _broken_at(tmp_path, 97, "  patiense: 10")  # inside mood: mood's fields, not the persona's
    assert (97, "mood.patiense", "unknown field; did you mean 'patience'?") in error.problems
    error = _broken_at(tmp_path, 16, "    - topik: when it started")  # inside a fact in a list
    assert (16, "problem.facts.0.topik", "unknown field; did you mean 'topic'?") in error.problems
    error = _broken_at(tmp_path, 160, "bogus_field: 1", insert=True)
    [(line, field, message)] = error.problems
    assert (line, field) == (160, "bogus_field")
    assert message.startswith("unknown field; the fields here are id, name, description") and "did you" not in message


def test_a_wrong_value_is_said_in_plain_words_with_the_choice_it_likely_meant(tmp_path: Path) -> None:
    error = _broken_at(tmp_path, 6, "archetype: escalted")
    assert error.problems == [(6, "archetype", "'escalted' is not one of the choices; did you mean 'escalated'?")]
    error = _broken_at(tmp_path, 6, "archetype: furious")
    assert "passive_angry, escalated, cursing, transfer_demanding" in error.problems[0][2]
    assert _broken_at(tmp_path, 93, "  start_anger: 150").problems == [
        (93, "mood.start_anger", "should be at most 100, not 150")
    ]
    assert _broken_at(tmp_path, 93, "  start_anger: very").problems == [
        (93, "mood.start_anger", "should be a whole number, not 'very'")
    ]
    assert _broken_at(tmp_path, 94, "  hang_up_at: 50").problems[0][2] == (
        "start_anger must be below hang_up_at, or the call ends before it starts"
    )
    for _, _, message in _broken_at(tmp_path, 14, "  technical: maybe").problems:
        assert "Input should" not in message and message == "should be true or false, not 'maybe'"


def test_a_rubric_typo_says_what_it_likely_meant(tmp_path: Path) -> None:
    from trainer.formats import load_rubric

    text = (PROJECT_ROOT / "rubrics" / "calm.yaml").read_text(encoding="utf-8")
    assert "\nweight:" in text
    path = _write(tmp_path, "calm", text.replace("\nweight:", "\nweigth:") + "passmark: 70\n")
    with pytest.raises(FormatError) as caught:
        load_rubric(path)
    messages = {field: message for _, field, message in caught.value.problems}
    assert messages["weigth"] == "unknown field; did you mean 'weight'?"
    assert messages["passmark"].startswith("unknown field; the fields here are id, name")  # a rubric has no pass_mark


def test_a_persona_tells_speech_recognition_its_words_and_keeps_the_list_short() -> None:
    """The words a trainee will say to this customer: name, company, product area, vocabulary."""
    from pydantic import ValidationError

    from trainer.catalog import load_catalog
    from trainer.formats.persona import Persona
    from trainer.settings import Settings

    dana = load_catalog(Settings()).personas["escalated"]
    words = dana.spoken_words()
    assert words[:3] == ["Dana Whitfield", "Whitfield Roofing", "pipeline"] and "Closed - archived" in words
    data = dana.model_dump(mode="json")
    data["problem"]["vocabulary"] = [f"term {n}" for n in range(31)]
    with pytest.raises(ValidationError, match="vocabulary"):
        Persona.model_validate(data)
    data["problem"]["vocabulary"] = ["x" * 61]
    with pytest.raises(ValidationError, match="vocabulary"):
        Persona.model_validate(data)

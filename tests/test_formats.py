"""Persona and rubric files: the shipped ones are valid, broken ones say where and why."""

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

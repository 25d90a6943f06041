"""The workshop's logic without a browser: the panel beside the editor, and the form's line edits.

The panel must name the line a trainer fixes and the field, in words; the form must change its
own line of the YAML and nothing else (comments, order and every other field as written).
"""

from pathlib import Path

import pytest
import yaml

from trainer.app import workshop
from trainer.app.access import Viewer
from trainer.formats.errors import TrainerError
from trainer.settings import PROJECT_ROOT, Settings
from trainer.users import Role

PERSONAS = sorted((PROJECT_ROOT / "personas").glob("*.yaml"))
ESCALATED = (PROJECT_ROOT / "personas" / "escalated.yaml").read_text(encoding="utf-8")
TESS = Viewer(name="tess", role=Role.trainer)

# Two new values for each form field: the first that differs from the persona's own is used.
NEW_VALUES = {
    "name": ["Dana: the boss", "Someone else"],  # the first needs quotes in YAML
    "archetype": ["transfer_demanding", "cursing"],
    "learning_style": ["self_explainer", "visual"],
    "difficulty": ["easy", "hard"],
    "pass_mark": [81, 82],
    "start_anger": [41, 42],
    "patience": [23, 24],
    "satisfied_at": [17, 18],
    "hang_up_at": [97, 98],
}


def _at(data: dict, path: tuple[str, ...]) -> object:
    for key in path:
        data = data[key]
    return data


def _line(text: str, number: int, new: str) -> str:
    rows = text.splitlines(keepends=True)
    rows[number - 1] = new + "\n"
    return "".join(rows)


# -- the panel beside the editor ------------------------------------------------------------
def test_the_panel_names_the_line_to_fix_and_shows_its_words() -> None:
    broken = _line(ESCALATED, 14, '  technical: "true')
    checked = workshop.check(broken)
    assert checked.model is None and checked.file == "personas/escalated.yaml"
    assert [(p.line, p.field, p.message) for p in checked.problems] == [
        (14, "", "not valid YAML: the quote opened on this line is never closed")
    ]
    assert checked.lines() == [14]
    html = workshop.panel_html(checked, broken)
    assert "data-lines='[14]'" in html  # the editor's line 14 is marked
    assert "data-line='14'" in html and ">line 14</button>" in html  # a button that jumps there
    assert "technical: &quot;true" in html  # the line's own words
    assert "not valid yet" in html and "1 problem in personas/escalated.yaml" in html


def test_the_panel_says_did_you_mean_and_the_field_in_words() -> None:
    text = ESCALATED.replace("pass_mark: 70", "passmark: 70").replace("  patience: 10", "  patiense: 10")
    checked = workshop.check(text)
    said = {(p.field, p.message) for p in checked.problems}
    assert ("passmark", "unknown field; did you mean 'pass_mark'?") in said
    assert ("mood.patiense", "unknown field; did you mean 'patience'?") in said
    assert all("Extra inputs" not in message for _, message in said)  # no pydantic wording
    html = workshop.panel_html(checked, text)
    assert html.count("<li>") == 2 and "2 problems" in html
    assert "<code>mood.patiense</code>: unknown field; did you mean &#x27;patience&#x27;?" in html


def test_the_panel_escapes_what_the_trainer_typed() -> None:
    text = ESCALATED.replace("name: Dana Whitfield", 'name: "<img src=x onerror=alert(1)>"')
    html = workshop.panel_html(workshop.check(text), text)
    assert "<img" not in html and "&lt;img src=x" in html
    broken = text.replace("archetype: escalated", "archetype: <b>")
    html = workshop.panel_html(workshop.check(broken), broken)
    assert "<b>" not in html.replace("<b>not valid yet</b>", "")


def test_a_valid_file_says_so_with_its_advice_and_marks_no_line() -> None:
    checked = workshop.check(ESCALATED)
    assert checked.problems == [] and checked.lines() == []
    html = workshop.panel_html(checked, ESCALATED)
    assert "✔ valid: <b>Dana Whitfield</b> (escalated, medium)" in html and "data-lines='[]'" in html


# -- the form: read from the YAML -----------------------------------------------------------
@pytest.mark.parametrize("path", PERSONAS, ids=lambda p: p.stem)
def test_the_form_shows_what_every_shipped_persona_has(path: Path) -> None:
    from trainer.formats import load_persona

    persona = load_persona(path)
    values = workshop.form_values(path.read_text(encoding="utf-8"))
    assert values == {
        "name": persona.name,
        "archetype": persona.archetype.value,
        "learning_style": persona.learning_style.value if persona.learning_style else workshop.NO_STYLE,
        "difficulty": persona.difficulty.value,
        "pass_mark": persona.pass_mark,
        "start_anger": persona.mood.start_anger,
        "patience": persona.mood.patience,
        "satisfied_at": persona.mood.satisfied_at,
        "hang_up_at": persona.mood.hang_up_at,
    }


def test_the_form_leaves_what_the_yaml_does_not_say_clearly() -> None:
    assert workshop.form_values(_line(ESCALATED, 14, '  technical: "true')) is None  # does not parse: keep the form
    assert workshop.form_values("- a list\n") is None
    values = workshop.form_values(ESCALATED.replace("start_anger: 75", "start_anger: furious"))
    assert values["start_anger"] is None and values["name"] == "Dana Whitfield"  # one wrong field, not all
    values = workshop.form_values(ESCALATED.replace("  patience: 10\n", ""))
    assert values["patience"] == 12  # left out: the model's default, as a call would play it


# -- the form: written into the YAML, one line ----------------------------------------------
@pytest.mark.parametrize("path", PERSONAS, ids=lambda p: p.stem)
def test_each_form_field_changes_its_own_line_and_nothing_else(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    before = yaml.safe_load(text)
    for field, candidates in NEW_VALUES.items():
        value = next(v for v in candidates if v != _at(before, workshop.FORM_FIELDS[field]))
        changed = workshop.set_field(text, field, value)
        old_rows, new_rows = text.splitlines(), changed.splitlines()
        assert len(new_rows) == len(old_rows), field
        different = [n for n, (a, b) in enumerate(zip(old_rows, new_rows, strict=True)) if a != b]
        assert len(different) == 1, field
        after = yaml.safe_load(changed)
        assert _at(after, workshop.FORM_FIELDS[field]) == value
        expected = yaml.safe_load(text)
        target = expected
        for key in workshop.FORM_FIELDS[field][:-1]:
            target = target[key]
        target[workshop.FORM_FIELDS[field][-1]] = value
        assert after == expected, field  # every other field as it was
        assert workshop.form_values(changed)[field] == value
    assert yaml.safe_load(text) == before


def test_a_comment_on_the_line_is_kept_and_values_are_quoted_only_when_needed() -> None:
    text = ESCALATED.replace("  start_anger: 75", "  start_anger: 75   # furious from the start")
    changed = workshop.set_field(text, "start_anger", 40.0)  # a slider's float
    assert "\n  start_anger: 40   # furious from the start\n" in changed
    for name, written in [
        ("Dana Whitfield", "name: Dana Whitfield"),
        ("Dana: the boss", 'name: "Dana: the boss"'),
        ("yes", 'name: "yes"'),
        ("null", 'name: "null"'),
        ("Dana #1", 'name: "Dana #1"'),
        ('She said "no"', 'name: She said "no"'),  # quotes inside a plain text are just characters
        ('"Dana"', 'name: "\\"Dana\\""'),
    ]:
        changed = workshop.set_field(ESCALATED, "name", name)
        assert f"\n{written}\n" in changed
        assert yaml.safe_load(changed)["name"] == name
    assert "\nlearning_style: null\n" in workshop.set_field(
        ESCALATED.replace("learning_style: null", "learning_style: visual"), "learning_style", workshop.NO_STYLE
    )


def test_a_field_the_file_leaves_out_is_added_where_the_model_puts_it() -> None:
    text = ESCALATED.replace("pass_mark: 70\n", "")
    changed = workshop.set_field(text, "pass_mark", 55)
    rows = changed.splitlines()
    assert rows[rows.index("difficulty: medium") + 1] == "pass_mark: 55"  # after difficulty, as in the model
    text = ESCALATED.replace("  patience: 10\n", "")
    changed = workshop.set_field(text, "patience", 7)
    assert yaml.safe_load(changed)["mood"]["patience"] == 7
    assert "\n  patience: 7\n" in changed and yaml.safe_load(changed)["lines"] == yaml.safe_load(ESCALATED)["lines"]


def test_a_value_written_over_several_lines_is_replaced_whole() -> None:
    text = ESCALATED.replace("name: Dana Whitfield\n", "name: >-\n  Dana\n  Whitfield\n")
    assert yaml.safe_load(text)["name"] == "Dana Whitfield"
    changed = workshop.set_field(text, "name", "Dana W.")
    assert "\nname: Dana W.\ndescription: Sales director" in changed
    assert yaml.safe_load(changed)["name"] == "Dana W."


def test_the_form_still_edits_its_line_while_another_line_is_broken() -> None:
    """Bad YAML elsewhere loses nothing: the form changes its line and leaves the mistake to fix."""
    broken = _line(ESCALATED, 14, '  technical: "true')
    changed = workshop.set_field(broken, "archetype", "cursing")
    assert changed == broken.replace("archetype: escalated", "archetype: cursing")


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("name", "   ", "a persona needs a name"),
        ("start_anger", 150, "start anger: should be at most 100, not 150"),
        ("patience", 0, "patience: should be at least 1, not 0"),
        ("archetype", "angry", "archetype: 'angry' is not one of the choices: passive_angry, escalated"),
        ("difficulty", "hrd", "difficulty: 'hrd' is not one of the choices; did you mean 'hard'?"),
        ("mood", 3, "the form has no field 'mood'"),
    ],
)
def test_a_value_the_persona_cannot_take_is_refused_in_words(field: str, value: object, said: str) -> None:
    with pytest.raises(TrainerError) as refused:
        workshop.set_field(ESCALATED, field, value)
    assert said in str(refused.value) and "Input should" not in str(refused.value)


# -- what the page says around the editor ---------------------------------------------------
def test_labels_and_the_empty_state_say_what_is_open_and_what_to_do(tmp_path: Path) -> None:
    assert workshop.editor_label("persona", "escalated") == "personas/escalated.yaml"
    assert workshop.editor_label("persona", None) == "new persona (not saved yet)"
    assert workshop.editor_label("rubric", None) == "new rubric (not saved yet)"
    assert "Open a persona to edit it" in workshop.empty_state() and "New file" in workshop.empty_state()
    assert "Open a rubric" in workshop.empty_state("rubric")
    settings = Settings(personas_dir=PROJECT_ROOT / "personas", sessions_dir=tmp_path)
    with pytest.raises(TrainerError, match="pick a persona in the File list first"):
        workshop.read_persona(settings, TESS, None)
    with pytest.raises(TrainerError, match="pick a rubric in the File list first"):
        workshop.read_persona(settings, TESS, "", "rubric")


def test_a_file_nested_thousands_deep_while_typed_is_a_message_not_a_crash() -> None:
    """Each keystroke is checked: 5,000 `[` made YAML recurse past Python's limit."""
    deep = "id: deep\nname: " + "[" * 5000 + "]" * 5000 + "\n"
    assert workshop.declared_id(deep) == "deep"
    checked = workshop.check(deep)
    assert [(p.line, p.message) for p in checked.problems] == [(2, "nested more than 12 levels deep")]
    assert workshop.form_values(deep) is None
    named = workshop.set_field(ESCALATED, "name", "[" * 700)  # typed in the form's name box
    assert yaml.safe_load(named)["name"] == "[" * 700


def test_a_text_larger_than_a_file_is_refused_before_it_is_parsed() -> None:
    """An attack probe: 1.2 MB of YAML through the form's private event took 25 s of CPU for everyone."""
    import time

    from trainer.formats import FormatError
    from trainer.formats.load import MAX_FILE_BYTES, read_yaml

    huge = "name: x\\n" + "- [1, 2, 3]\\n" * (MAX_FILE_BYTES // 8)
    started = time.perf_counter()
    with pytest.raises(FormatError, match="larger than"):
        read_yaml(huge)
    assert workshop.check(huge).problems[0].message.startswith("larger than")
    assert time.perf_counter() - started < 0.5

"""The persona workshop in a real browser (Debian's chromium, driven by Playwright).

A trainer logs in and finds the workshop saying what to do first; opens Dana's persona; breaks
line 14 with an unclosed quote and sees, beside the editor, the problem named at line 14 (not
where YAML gave up, 33 lines further down), its line number marked in the editor, and a
button that jumps to it; uses the form and sees the YAML follow; saves; previews the opening
line with "saved" still there; and tries bad input, losing nothing. A screenshot per step goes
to CALLCOACH_SCREENSHOTS (default a temporary folder).

Skipped where chromium or playwright are missing (`bash scripts/setup test`), except in CI.
"""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM, login, require_browser, screenshot_folder
from conftest import app_settings

from trainer.settings import PROJECT_ROOT
from trainer.users import Role, UserStore

pytestmark = pytest.mark.filterwarnings("ignore:::gradio.*")


require_browser()

from playwright.sync_api import Page, sync_playwright  # noqa: E402

# The CodeMirror view behind gradio's Code component, to read the cursor's line.
CURSOR_LINE = """() => {
  const content = document.querySelector('#persona-editor .cm-content');
  const view = content.cmTile ? content.cmTile.view : content.cmView.rootView.view;
  return view.state.doc.lineAt(view.state.selection.main.head).number;
}"""


@pytest.fixture(scope="module")
def shots() -> Path:
    return screenshot_folder()


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server whose personas folder is a copy: the test saves into it."""
    from trainer.app.ui import serving

    folder = tmp_path_factory.mktemp("workshop")
    personas = folder / "personas"
    shutil.copytree(PROJECT_ROOT / "personas", personas)
    settings = app_settings(folder, personas_dir=personas, tts_engine="espeak")
    UserStore(settings.resolved_users_file()).add("tess", Role.trainer, "tess-password")
    with serving(settings, voice=False) as (url, _app):
        yield url, personas


def _login(page: Page, url: str) -> None:
    login(page, url, "tess", "tess-password")


def _shot(page: Page, folder: Path, name: str) -> None:
    page.wait_for_timeout(300)  # the last update painted
    page.screenshot(path=str(folder / f"workshop-{name}.png"), full_page=True)


def _editor_text(page: Page) -> str:
    return page.evaluate(
        "() => { const c = document.querySelector('#persona-editor .cm-content');"
        " return (c.cmTile ? c.cmTile.view : c.cmView.rootView.view).state.doc.toString(); }"
    )


def _wait_for_editor(page: Page, fragment: str) -> None:
    page.wait_for_function(
        "(want) => { const c = document.querySelector('#persona-editor .cm-content');"
        " const v = c && (c.cmTile ? c.cmTile.view : c.cmView.rootView.view);"
        " return v && v.state.doc.toString().includes(want); }",
        arg=fragment,
        timeout=30_000,
    )


def _no_error_badge(page: Page) -> bool:
    """No red "Error" over the editor: a refused change leaves the text in view as it was.
    (gradio keeps a hidden badge in the page at opacity 0, which Playwright calls visible.)"""
    return page.evaluate(
        """() => [...document.querySelectorAll('#persona-editor .error')].every(badge => {
          for (let e = badge; e; e = e.parentElement) { if (getComputedStyle(e).opacity === '0') return true; }
          return badge.getBoundingClientRect().width === 0;
        })"""
    )


def _type_at(page: Page, line_text: str, keys: list[str], text: str) -> None:
    """Click the editor line holding `line_text`, go to its end, press `keys`, type `text`."""
    page.locator("#persona-editor .cm-line", has_text=line_text).first.click()
    page.keyboard.press("End")
    for key in keys:
        page.keyboard.press(key)
    page.keyboard.type(text)


def test_a_trainer_fixes_a_broken_line_uses_the_form_saves_and_previews(
    workshop: tuple[str, Path], shots: Path
) -> None:
    url, personas = workshop
    started = time.perf_counter()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            _login(page, url)
            page.get_by_role("tab", name="Persona workshop").click()

            # Before anything is open: what to do first, and no empty editor.
            empty = page.locator("#workshop-empty")
            empty.get_by_text("Open a persona to edit it").wait_for(timeout=30_000)
            assert "New file" in empty.inner_text()
            assert not page.locator("#persona-editor").is_visible()
            _shot(page, shots, "01-nothing-open")

            # Open Dana: the editor is titled with the file's real name; the form has her fields.
            page.locator("#workshop-open").click()  # nothing picked yet: a message, nothing opens
            page.get_by_text("pick a persona in the File list first").first.wait_for(timeout=30_000)
            page.locator("#persona-chooser input").click()
            page.get_by_role("option", name="escalated", exact=True).click()
            page.locator("#workshop-open").click()
            panel = page.locator("#persona-validation")
            panel.get_by_text("✔ valid").wait_for(timeout=30_000)
            assert page.get_by_text("personas/escalated.yaml", exact=True).is_visible()  # the editor's label
            assert page.locator("#form-name input, #form-name textarea").first.input_value() == "Dana Whitfield"
            assert not empty.is_visible()
            _shot(page, shots, "02-opened")

            # Line 14 loses its closing quote: the panel beside the editor names line 14.
            assert _editor_text(page).splitlines()[13] == "  technical: true"
            _type_at(page, "technical: true", ["ArrowLeft"] * 4, '"')
            panel.get_by_text("not valid yet").wait_for(timeout=30_000)
            problem = panel.locator("li").first
            assert "line 14" in problem.inner_text()
            assert "the quote opened on this line is never closed" in problem.inner_text()
            assert 'technical: "true' in problem.inner_text()  # the line's own words
            editor_box, panel_box = page.locator("#persona-editor").bounding_box(), panel.bounding_box()
            assert panel_box["x"] >= editor_box["x"] + editor_box["width"] - 1  # beside it, not above it
            assert panel_box["y"] + panel_box["height"] <= 1000  # in view while the editor is
            marked = page.locator("#persona-editor .cc-bad-line")
            marked.first.wait_for(timeout=10_000)
            assert marked.first.inner_text() == "14"  # the editor's own line number, marked
            _shot(page, shots, "03-line-14-broken")

            # The button takes the cursor to line 14 from anywhere in the file.
            page.locator("#persona-editor .cm-line", has_text="ok so what time this morning").click()
            assert page.evaluate(CURSOR_LINE) != 14
            problem.get_by_role("button", name="line 14").click()
            page.wait_for_function(f"() => ({CURSOR_LINE})() === 14", timeout=10_000)
            page.keyboard.press("Home")
            page.keyboard.press("End")
            for _ in range(4):
                page.keyboard.press("ArrowLeft")
            page.keyboard.press("Backspace")  # the stray quote goes: valid again
            panel.get_by_text("✔ valid").wait_for(timeout=30_000)
            assert marked.count() == 0

            # The form edits its own lines of the YAML; the rest of the file stays as written.
            before = _editor_text(page)
            page.locator("#form-archetype input").click()
            page.get_by_role("option", name="cursing", exact=True).click()
            _wait_for_editor(page, "\narchetype: cursing\n")
            name = page.locator("#form-name input, #form-name textarea").first
            name.fill("Dana W. Whitfield")
            name.press("Enter")
            _wait_for_editor(page, "\nname: Dana W. Whitfield\n")
            anger = page.locator("#form-start_anger input[type=number]")
            anger.fill("40")
            anger.press("Enter")
            _wait_for_editor(page, "\n  start_anger: 40\n")
            after = _editor_text(page)
            changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
            assert changed == [
                ("name: Dana Whitfield", "name: Dana W. Whitfield"),
                ("archetype: escalated", "archetype: cursing"),
                ("  start_anger: 75", "  start_anger: 40"),
            ]
            panel.get_by_text("✔ valid").wait_for(timeout=30_000)
            assert "cursing" in panel.inner_text()

            # And typing in the YAML moves the form.
            _type_at(page, "difficulty: medium", ["Backspace"] * 6, "hard")
            page.wait_for_function(
                "() => document.querySelector('#form-difficulty input[value=hard]').checked", timeout=30_000
            )
            _shot(page, shots, "04-form-and-yaml")

            # Bad input: a blank name is refused in words; the YAML keeps the name, and so does the form.
            name.fill("")
            name.press("Enter")
            page.get_by_text("a persona needs a name").first.wait_for(timeout=30_000)
            page.wait_for_function(
                "() => document.querySelector('#form-name input, #form-name textarea').value === 'Dana W. Whitfield'",
                timeout=30_000,
            )
            assert "\nname: Dana W. Whitfield\n" in _editor_text(page)
            assert _no_error_badge(page)
            # Saving over the shipped file without ticking overwrite: refused, nothing lost.
            page.locator("#workshop-save").click()
            page.get_by_text("tick 'overwrite' to replace it").first.wait_for(timeout=30_000)
            assert "archetype: cursing" in _editor_text(page)
            assert _no_error_badge(page)
            _shot(page, shots, "05-bad-input-refused")

            # Save, then preview: "saved" stays, the opening line gets its own place.
            page.get_by_label("Overwrite the existing file").check()
            page.locator("#workshop-save").click()
            saved = page.locator("#workshop-saved")
            saved.get_by_text("✔ saved personas/escalated.yaml").wait_for(timeout=30_000)
            on_disk = (personas / "escalated.yaml").read_text(encoding="utf-8")
            assert "name: Dana W. Whitfield\n" in on_disk and "difficulty: hard\n" in on_disk
            assert on_disk.startswith("# An escalated-angry customer")  # its comments kept
            page.locator("#workshop-preview").click()
            page.locator("#workshop-preview-line").get_by_text("Opening line:").wait_for(timeout=60_000)
            assert "✔ saved personas/escalated.yaml" in saved.inner_text()
            _shot(page, shots, "06-saved-then-previewed")

            # A new file says it is not saved yet.
            page.locator("#workshop-new").click()
            page.get_by_text("new persona (not saved yet)", exact=True).wait_for(timeout=30_000)
            assert saved.inner_text().strip() == ""  # that message was about the other file
            assert not page.get_by_label("Overwrite the existing file").is_checked()  # nor is overwrite carried over
            assert page.locator("#workshop-preview-line").inner_text().strip() == ""
            _shot(page, shots, "07-new-file")
        finally:
            browser.close()
    print(f"\nworkshop walk-through: {time.perf_counter() - started:.1f} s")

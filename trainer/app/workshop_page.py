"""The persona workshop's page: open, edit, validate, save, preview and test-call a persona or rubric.

The editor and a panel beside it share one row: the panel (problems by line, each a button that
jumps to its line; the form for the common fields) stays in view while a 150-line file scrolls.
The logic is `trainer.app.workshop`; here are the components and their wiring only.
"""

import logging

import gradio as gr

from trainer.app import workshop
from trainer.app.practice_page import picker_updates
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Difficulty
from trainer.playbook import Archetype, LearningStyle

log = logging.getLogger("callcoach.app")

# Loaded with the empty state (always on the page), so it is there before a file is open.
HEAD = """<style>
#workshop-side {position: sticky; top: 8px; align-self: flex-start}
#persona-validation .cc-check {border: 1px solid #ddd; border-radius: 8px; padding: 8px 10px}
#persona-validation .cc-bad {border-color: #f4a3a3; background: #fff6f6}
#persona-validation .cc-ok {border-color: #9bd3ab; background: #f4fbf6}
#persona-validation .cc-check > p {margin: 0 0 4px}
#persona-validation ul {margin: 4px 0 0; padding-left: 1.1em}
#persona-validation li {margin: 6px 0}
#persona-validation .cc-goto {font: inherit; font-weight: 700; color: #b42318; background: none; border: 0;
  padding: 0; text-decoration: underline; cursor: pointer}
#persona-validation .cc-src {font-family: monospace; font-size: 12px; background: #fff; border: 1px solid #eee;
  margin: 2px 0 0; padding: 2px 6px; white-space: pre-wrap; overflow-wrap: anywhere}
#persona-editor .cc-bad-line {background: #fecaca; color: #991b1b; font-weight: 700}
</style>"""

# Quick events: a mistake is a message, never a red "Error" badge over the editor it left as it was.
QUIET = {"api_visibility": "private", "show_progress": "hidden"}

# The panel's buttons move the editor's cursor to their line; the editor's line numbers of the
# problems are marked red (CodeMirror redraws its gutter while scrolling: marked again on change).
PANEL_JS = """
const root = () => document.querySelector('#persona-editor');
const view = () => {
  const content = root() && root().querySelector('.cm-content');
  if (!content) return null;
  return (content.cmTile && content.cmTile.view) || (content.cmView && content.cmView.rootView
    && content.cmView.rootView.view) || null;
};
const lines = () => {
  const holder = element.querySelector('[data-lines]');
  try { return JSON.parse((holder && holder.dataset.lines) || '[]'); } catch (e) { return []; }
};
const mark = () => {
  const bad = lines();
  const gutter = root() ? root().querySelectorAll('.cm-lineNumbers .cm-gutterElement') : [];
  gutter.forEach(g => g.classList.toggle('cc-bad-line', bad.includes(Number(g.textContent))));
};
element.addEventListener('click', event => {
  const button = event.target.closest('[data-line]');
  const editor = view();
  if (!button || !editor) return;
  const line = editor.state.doc.line(Math.min(Number(button.dataset.line), editor.state.doc.lines));
  const centred = editor.constructor.scrollIntoView;  // EditorView's own effect: the line mid-editor
  const move = {selection: {anchor: line.from, head: line.to}};
  editor.dispatch(centred ? {...move, effects: centred(line.from, {y: 'center'})} : {...move, scrollIntoView: true});
  editor.focus();
});
new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
watch('value', mark);
mark();
"""


def workshop_page(app: App, picker: tuple[gr.HTML, gr.Radio], tabs: gr.Tabs) -> gr.Dropdown:
    """The workshop tab; returns the file chooser, which the page fills on load for whoever may edit.
    (The practice room's picker and the tabs are here for the test call, which plays a saved file.)"""
    opened = gr.State("persona")  # the kind of the file in the editor (the radio picks the list)
    with gr.Row():
        kind = gr.Radio(list(workshop.KINDS), value="persona", label="Edit", elem_id="workshop-kind")
        chooser = gr.Dropdown([], label="File", interactive=True, elem_id="persona-chooser")
        refresh = gr.Button("Refresh list")
        open_button = gr.Button("Open", elem_id="workshop-open")
        new = gr.Button("New file", elem_id="workshop-new")
    empty = gr.Markdown(workshop.empty_state(), elem_id="workshop-empty")
    gr.HTML("", head=HEAD, js_on_load=None, padding=False, visible="hidden")
    with gr.Column(visible=False, elem_id="workshop-editing") as editing:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                editor = gr.Code(
                    language="yaml",
                    label="persona",
                    lines=30,
                    max_lines=34,
                    wrap_lines=True,  # a customer's long line is read whole, not scrolled sideways
                    interactive=True,
                    elem_id="persona-editor",
                )
            with gr.Column(scale=2, min_width=300, elem_id="workshop-side"):
                checked = gr.HTML("", js_on_load=PANEL_JS, elem_id="persona-validation")
                form_box, form = _form()
        with gr.Row():
            overwrite = gr.Checkbox(label="Overwrite the existing file")
            save = gr.Button("Save", variant="primary", elem_id="workshop-save")
            preview = gr.Button("Preview the opening line", elem_id="workshop-preview")
            try_it = gr.Button("Test call with this persona")
        saved = gr.Markdown(elem_id="workshop-saved")
        with gr.Row():
            voice = gr.Audio(label="Opening line", type="filepath", autoplay=True, interactive=False)
            heard = gr.Markdown(elem_id="workshop-preview-line")
    fields = list(form.values())

    def on_refresh(what: str, request: gr.Request):
        with user_errors():
            return gr.Dropdown(choices=workshop.persona_ids(app.settings, app.viewer(request), what), value=None)

    def shown(what: str, file_id: str | None, text: str) -> tuple:
        """Everything a newly opened file changes: the editor, its panel, the form, what shows."""
        values = workshop.form_values(text) if what == "persona" else None
        return (
            gr.Code(value=text, label=workshop.editor_label(what, file_id)),
            workshop.panel_html(workshop.check(text, what), text),
            what,
            gr.Markdown(visible=False),
            gr.Column(visible=True),
            "",  # "saved" was about the file before
            False,  # overwrite is ticked for this file, not carried over to a new one
            *(gr.update(visible=what == "persona") for _ in (form_box, preview, try_it)),
            gr.update(visible=what == "persona", value=None),
            gr.update(visible=what == "persona", value=""),
            *_form_updates(values),
        )

    opening = [editor, checked, opened, empty, editing, saved, overwrite]
    opening += [form_box, preview, try_it, voice, heard, *fields]

    def on_open(what: str, file_id: str, request: gr.Request) -> tuple:
        with user_errors():
            text = workshop.read_persona(app.settings, app.viewer(request), file_id, what)
        return shown(what, file_id, text)

    def on_new(what: str, request: gr.Request) -> tuple:
        with user_errors():
            app.viewer(request).require_workshop()
            text = workshop.template(app.settings, what)
        return shown(what, None, text)

    def on_kind(what: str, request: gr.Request) -> tuple:
        return on_refresh(what, request), workshop.empty_state(what)

    def on_validate(what: str, text: str, request: gr.Request) -> str:
        with user_errors():
            app.viewer(request).require_workshop()
            return workshop.panel_html(workshop.check(text or "", what), text or "")

    def on_typed(what: str, text: str, request: gr.Request) -> list:
        """Typing in the YAML moves the form along (not the other way round: no echo while typing)."""
        if not _may_edit(app, request):
            return [gr.skip() for _ in workshop.FORM_FIELDS]
        return _form_updates(workshop.form_values(text or "") if what == "persona" else None)

    def on_save(what: str, text: str, replace: bool, request: gr.Request) -> tuple[str, gr.Code]:
        with user_errors():
            done = workshop.save(app.settings, app.viewer(request), text or "", overwrite=replace, kind=what)
        return "✔ " + done, gr.Code(label=workshop.editor_label(what, workshop.declared_id(text or "")))

    def on_preview(text: str, request: gr.Request) -> tuple[str | None, str]:
        with user_errors():
            wav, line = workshop.preview_opening(app.settings, app.viewer(request), text or "")
        return app.servable(wav, app.viewer(request).name), f"Opening line: “{line}”"

    def on_try(text: str, request: gr.Request) -> tuple:
        """A test call straight from the editor: the saved persona, picked in the practice room."""
        with user_errors():
            app.viewer(request).require_workshop()
            persona_id = workshop.declared_id(text or "")
            if not persona_id or persona_id not in app.room.catalog().personas:
                raise TrainerError("save the persona first; a test call plays the saved file")
            app.room.mark_test_call(app.viewer(request), persona_id)
        return (*picker_updates(app, persona_id), gr.Tabs(selected="practice"))

    hidden = {"show_progress": "hidden"}
    refresh.click(on_refresh, kind, chooser, api_name="persona_list")
    kind.change(on_kind, kind, [chooser, empty], **QUIET)
    open_button.click(on_open, [kind, chooser], opening, api_name="persona_open", **hidden)
    new.click(on_new, kind, opening, api_name="persona_new", **hidden)
    editor.change(
        on_validate, [opened, editor], checked, api_name="persona_validate", trigger_mode="always_last", **hidden
    )
    editor.input(on_typed, [opened, editor], fields, trigger_mode="always_last", **QUIET)
    _wire_form(app, form, opened, editor)
    save.click(on_save, [opened, editor, overwrite], [saved, editor], api_name="persona_save", **hidden).success(
        lambda: picker_updates(app), None, list(picker), api_visibility="private"
    )
    preview.click(on_preview, editor, [voice, heard], api_name="persona_preview", show_progress_on=voice)
    try_it.click(on_try, editor, [*picker, tabs], api_visibility="private")
    return chooser


def _form() -> tuple[gr.Group, dict[str, gr.components.Component]]:
    """The common fields of a persona, one component per `workshop.FORM_FIELDS` entry, two a row."""
    with gr.Group(elem_id="workshop-form") as box:
        gr.Markdown("**The common fields**: change them here or in the YAML, the other follows.", padding=True)
        form: dict[str, gr.components.Component] = {}
        with gr.Row():
            form["name"] = gr.Textbox(label="Name (Enter to apply)", elem_id="form-name")
            form["archetype"] = gr.Dropdown([a.value for a in Archetype], label="Archetype", elem_id="form-archetype")
        with gr.Row():
            styles = [workshop.NO_STYLE, *(s.value for s in LearningStyle)]
            form["learning_style"] = gr.Dropdown(styles, label="Learning style", elem_id="form-style")
            form["difficulty"] = gr.Radio(
                [d.value for d in Difficulty], label="Written at difficulty", elem_id="form-difficulty"
            )
        sliders = list(workshop.SLIDERS.items())
        for pair in (sliders[i : i + 2] for i in range(0, len(sliders), 2)):
            with gr.Row():
                for field, (label, lowest, highest) in pair:
                    form[field] = gr.Slider(lowest, highest, step=1, label=label, elem_id=f"form-{field}")
    return box, {field: form[field] for field in workshop.FORM_FIELDS}


def _form_updates(values: dict | None) -> list:
    """The form as the YAML has it; a field the YAML lacks or has wrong keeps what it shows."""
    return [
        gr.skip() if values is None or values.get(field) is None else values[field] for field in workshop.FORM_FIELDS
    ]


def _may_edit(app: App, request: gr.Request) -> bool:
    """Only a trainer or manager's page parses YAML for the form (a trainee calling these
    private events directly gets nothing back, and costs the server nothing)."""
    try:
        app.viewer(request).require_workshop()
    except TrainerError:
        return False
    return True


def _wire_form(app: App, form: dict[str, gr.components.Component], opened: gr.State, editor: gr.Code) -> None:
    """A change in the form rewrites its one line of the YAML (then the panel validates it). A value
    the persona cannot take is a message, and the field goes back to what the YAML has."""
    for field, component in form.items():

        def on_field(what: str, text: str, value, request: gr.Request, field: str = field) -> tuple:
            if not _may_edit(app, request):
                return gr.skip(), gr.skip()
            current = (workshop.form_values(text or "") or {}).get(field)
            if what != "persona" or current == value:
                return gr.skip(), gr.skip()
            try:
                return workshop.set_field(text or "", field, value), gr.skip()
            except TrainerError as exc:
                log.info("user mistake: %s: %s", type(exc).__name__, exc)
                gr.Warning(str(exc))
                return gr.skip(), gr.skip() if current is None else current

        events = [component.blur, component.submit] if field == "name" else [component.input]
        for event in events:
            event(on_field, [opened, editor, component], [editor, component], **QUIET, trigger_mode="always_last")

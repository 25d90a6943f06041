"""The persona workshop's page: open, edit, validate, save, preview and test-call a persona or rubric."""

import gradio as gr

from trainer.app import workshop
from trainer.app.practice_page import picker_updates
from trainer.app.shell import App, user_errors
from trainer.formats.errors import TrainerError


def workshop_page(app: App, picker: tuple[gr.HTML, gr.Radio], tabs: gr.Tabs) -> gr.Dropdown:
    with gr.Row():
        kind = gr.Radio(list(workshop.KINDS), value="persona", label="Edit", elem_id="workshop-kind")
        chooser = gr.Dropdown([], label="File", interactive=True, elem_id="persona-chooser")
        refresh = gr.Button("Refresh list")
        open_button = gr.Button("Open")
        new = gr.Button("New file", elem_id="workshop-new")
    checked = gr.Markdown(elem_id="persona-validation")  # above the editor: errors are seen while typing
    editor = gr.Code(language="yaml", label="<id>.yaml", lines=30, interactive=True, elem_id="persona-editor")
    with gr.Row():
        overwrite = gr.Checkbox(label="Overwrite the existing file")
        save = gr.Button("Save", variant="primary")
        preview = gr.Button("Preview the opening line")
        try_it = gr.Button("Test call with this persona")
    saved = gr.Markdown()
    voice = gr.Audio(label="Opening line", type="filepath", autoplay=True, interactive=False)

    def on_refresh(what: str, request: gr.Request):
        with user_errors():
            return gr.Dropdown(choices=workshop.persona_ids(app.settings, app.viewer(request), what), value=None)

    def on_open(what: str, file_id: str, request: gr.Request) -> tuple[str, str]:
        with user_errors():
            text = workshop.read_persona(app.settings, app.viewer(request), file_id, what)
        return text, workshop.validation_markdown(text, what)

    def on_new(what: str, request: gr.Request) -> tuple[str, str]:
        with user_errors():
            app.viewer(request).require_workshop()
            text = workshop.template(app.settings, what)
        return text, workshop.validation_markdown(text, what)

    def on_validate(what: str, text: str, request: gr.Request) -> str:
        with user_errors():
            app.viewer(request).require_workshop()
            return workshop.validation_markdown(text or "", what)

    def on_save(what: str, text: str, replace: bool, request: gr.Request) -> str:
        with user_errors():
            return "✔ " + workshop.save(app.settings, app.viewer(request), text or "", overwrite=replace, kind=what)

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
        return (*picker_updates(app, persona_id), gr.Tabs(selected="practice"))

    refresh.click(on_refresh, kind, chooser, api_name="persona_list")
    kind.change(on_refresh, kind, chooser, api_visibility="private")
    open_button.click(on_open, [kind, chooser], [editor, checked], api_name="persona_open")
    new.click(on_new, kind, [editor, checked], api_name="persona_new")
    editor.change(on_validate, [kind, editor], checked, api_name="persona_validate", trigger_mode="always_last")
    save.click(on_save, [kind, editor, overwrite], saved, api_name="persona_save").success(
        lambda: picker_updates(app), None, list(picker), api_visibility="private"
    )
    preview.click(on_preview, editor, [voice, saved], api_name="persona_preview")
    try_it.click(on_try, editor, [*picker, tabs], api_visibility="private")
    return chooser

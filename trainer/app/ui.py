"""The gradio shell: the three rooms' pages in one app, and the server that runs it.

Each handler resolves the Viewer from the request first (gradio's authenticated user name) and
lets the plain function decide what that viewer may see; a TrainerError becomes a gr.Error, a
message on the page (`trainer.app.shell.user_errors`). Each room's page is its own module.
"""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import gradio as gr
from starlette.middleware import Middleware

from trainer.app import workshop
from trainer.app.access import LOCAL_NOTICE
from trainer.app.files import OwnFilesOnly, sweep_every
from trainer.app.practice_page import picker_updates, practice_page
from trainer.app.review_page import review_page
from trainer.app.shell import App, user_errors
from trainer.app.workshop_page import workshop_page
from trainer.logins import ClientAddress, share_logins
from trainer.settings import Settings

__all__ = ["App", "build", "launch"]

CSS = """
.cc-cards {display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:8px}
.cc-card {border:1px solid #ccc;border-radius:8px;padding:8px}
.cc-turn {border-bottom:1px solid #eee;padding:4px 0}
#transcript button[aria-label="Clear"] {display:none}  /* the call's transcript is not the trainee's to wipe */
"""


def build(settings: Settings, voice: bool = True) -> tuple[gr.Blocks, App]:
    app = App(settings, voice=voice)
    with gr.Blocks(title="callcoach") as demo:
        who = gr.Markdown()
        with gr.Tabs() as tabs:
            with gr.Tab("Practice room", id="practice") as practice_tab:
                picker, resume = practice_page(app)
            with gr.Tab("Review desk", id="review", visible=False) as review_tab:
                review_page(app)
            with gr.Tab("Persona workshop", id="workshop", visible=False) as workshop_tab:
                chooser = workshop_page(app, picker, tabs)

        def on_load(request: gr.Request):
            with user_errors():
                viewer = app.viewer(request)
            if viewer.local:
                banner = f"**{LOCAL_NOTICE}**"
            else:
                banner = f"Logged in as **{viewer.name}** ({viewer.role.value}) · [log out](/logout)"
            ids = workshop.persona_ids(app.settings, viewer) if viewer.can_edit_personas else []
            pending = app.room.pending(viewer)
            return (
                banner,
                gr.Button(value=f"Resume your call with {pending}", visible=True)
                if pending
                else gr.Button(visible=False),
                gr.Tab(visible=True),
                gr.Tab(visible=viewer.can_review),
                gr.Tab(visible=viewer.can_edit_personas),
                gr.Dropdown(choices=ids),
                *picker_updates(app),
            )

        demo.load(
            on_load,
            None,
            [who, resume, practice_tab, review_tab, workshop_tab, chooser, *picker],
            api_visibility="private",
        )
    return demo, app


def _logins_shared_with(app: App):
    """At server start: logins live in the session database, under a cookie name every process
    agrees on, so several `trainer serve` processes behind nginx are one app to a trainee."""

    @asynccontextmanager
    async def lifespan(server_app) -> AsyncIterator[None]:
        share_logins(server_app, app.log)
        yield

    return lifespan


def launch(settings: Settings, host: str | None = None, port: int | None = None, voice: bool = True, **kwargs):
    """Start the server; `prevent_thread_lock=True` in kwargs returns at once (tests)."""
    if "GRADIO_TEMP_DIR" not in os.environ:  # our own folder: swept without touching anyone else's files
        os.environ["GRADIO_TEMP_DIR"] = str((settings.sessions_dir / "web-cache").resolve())
    demo, app = build(settings, voice=voice)
    auth = None if app.local else app.auth
    where = host or settings.host
    if app.local and where not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"trainer: warning: no users file ({app.store.path}) and listening on {where}: "
            "anyone who can reach this address sees every room. Add users with `trainer users add`.",
            file=sys.stderr,
        )
    middleware = [Middleware(ClientAddress)]
    if not app.local:  # with logins, a served file goes to its owner only (one local user otherwise)
        middleware.append(Middleware(OwnFilesOnly, owners=app.files, role_of=app.role_of))
    # The library bounds the heavy work itself (`trainer.speechqueue`): gradio must not queue
    # typed turns and call starts behind four recordings, as its default limit would.
    demo.queue(default_concurrency_limit=32)
    app.sweeper = sweep_every(app.cache, 600, app.stopping)  # at start, then every 10 minutes
    demo.launch(
        app_kwargs={"middleware": middleware, "lifespan": _logins_shared_with(app)},
        max_file_size=f"{settings.max_upload_mb}mb",
        server_name=where,
        server_port=port or settings.port,
        auth=auth,
        auth_message="callcoach: log in with the account a manager made for you (`trainer users add`).",
        css=CSS,
        **kwargs,
    )
    return demo, app

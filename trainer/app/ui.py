"""The gradio shell: the three rooms' pages in one app, and the server that runs it.

Each handler resolves the Viewer from the request first (gradio's authenticated user name) and
lets the plain function decide what that viewer may see; a TrainerError becomes a gr.Error, a
message on the page (`trainer.app.shell.user_errors`). Each room's page is its own module.
"""

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterator
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
from trainer.deploy import free_port
from trainer.logins import ClientAddress, share_logins
from trainer.settings import Settings

__all__ = ["App", "build", "launch"]

TAGLINE = "Practise the hard calls before they happen."
LOGIN_MESSAGE = (  # gradio's login page shows this as HTML with its own headings unstyled
    '<p style="font-size:1.8em;font-weight:700;margin:0">callcoach</p>'
    f'<p style="font-size:1.15em;margin:0.2em 0 0.6em"><b>{TAGLINE}</b> An angry customer on the line, '
    "a coach in your ear, a scorecard at the end.</p><p>Log in with the account your manager made for you.</p>"
)
# Soft and teal, with the text on coloured labels, chosen options and buttons dark enough to read
# (axe-core's contrast check in the browser test: WCAG AA).
THEME = gr.themes.Soft(primary_hue="teal", secondary_hue="slate", neutral_hue="slate").set(
    block_title_text_color="*primary_800",
    block_label_text_color="*primary_800",
    checkbox_label_background_fill_selected="*primary_700",
    checkbox_label_text_color_selected="white",
    button_primary_background_fill="*primary_700",
    button_primary_background_fill_hover="*primary_800",
    button_primary_text_color="white",
)
CSS = """
.gradio-container {max-width: 1340px !important}
#persona-picker .wrap {display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:6px}
#persona-picker label {white-space:pre-line;align-items:flex-start;padding:6px 10px;line-height:1.25}
#persona-picker label > span {display:block;font-size:0.85em}
#persona-picker label > span::first-line {font-weight:700;font-size:1.1em}
#persona-picker label:focus-within {outline:3px solid var(--color-accent);outline-offset:1px}
.cc-line {font-size:1.15em;line-height:1.35;padding:4px 2px}
.cc-who {font-weight:700}
.cc-empty {padding:8px;border:1px dashed var(--border-color-primary);border-radius:8px}
#coach {max-height:170px;overflow:auto}
#end-call {background:#b3261e;color:#fff;border-color:#b3261e}
#scorecard {max-height:55vh;overflow:auto}
.run-history, [data-testid="max-value"], [data-testid="min-value"], button[role="tab"] {color:#334155 !important}
.subdued, .cm-gutterElement {color:#475569 !important}
.cm-content {filter:brightness(0.7)}  /* the YAML highlighting's pale greys, dark enough to read */
footer .show-api, footer .built-with, footer .settings {color:#334155 !important;opacity:1 !important}
.cc-hidden {display:none !important}
.cc-turn {border-bottom:1px solid #eee;padding:4px 0}
#transcript button[aria-label="Clear"] {display:none}  /* the call's transcript is not the trainee's to wipe */
"""
# Run once in each browser tab. The customer's line is a live region: a screen reader reads each
# new line out as the customer says it. The panels that scroll (transcript, coach, scorecard) take
# keyboard focus, so they scroll without a mouse. And a tab whose login has ended (logged out in another
# tab, or the session expired) goes back to the login page instead of failing with blank errors.
PAGE_JS = """
() => {
  const mark = () => {
    const line = document.getElementById('customer-line');
    if (line && !line.hasAttribute('aria-live')) {
      line.setAttribute('aria-live', 'polite');
      line.setAttribute('role', 'status');
      line.setAttribute('aria-label', "The customer's last line");
    }
    const scrolling = {
      '#transcript .bubble-wrap': 'Transcript', '#coach': 'Coach feedback', '#scorecard': 'Scorecard',
      '.cm-scroller': 'YAML editor',
    };
    for (const [selector, name] of Object.entries(scrolling)) {
      document.querySelectorAll(selector).forEach((panel) => {
        if (panel.getAttribute('tabindex') !== '0') {  // CodeMirror sets -1 on its scroller
          panel.setAttribute('tabindex', '0');
          panel.setAttribute('role', 'region');  // an aria-label needs a role to be allowed on a div
          panel.setAttribute('aria-label', name);
        }
      });
    }
    // gradio labels its empty placeholders with an aria-label a plain div may not carry
    document.querySelectorAll('div.empty[aria-label]').forEach((empty) => empty.removeAttribute('aria-label'));
  };
  new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  mark();
  const check = async () => {
    try {
      const answer = await fetch('gradio_api/login_check', {credentials: 'same-origin', cache: 'no-store'});
      if (answer.status === 401) window.location.reload();
    } catch (error) { /* the server is restarting: try again later */ }
  };
  setInterval(check, 5000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) check(); });
}
"""


def build(settings: Settings, voice: bool = True) -> tuple[gr.Blocks, App]:
    app = App(settings, voice=voice)
    with gr.Blocks(title=f"callcoach · {TAGLINE}") as demo:
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
                banner = f"**callcoach** · {TAGLINE} · **{LOCAL_NOTICE}**"
            else:
                banner = (
                    f"**callcoach** · {TAGLINE} · Logged in as **{viewer.name}** ({viewer.role.value}) · "
                    "[log out](/logout)"
                )
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
        auth_message=LOGIN_MESSAGE,
        css=CSS,
        js=PAGE_JS,
        theme=THEME,
        **kwargs,
    )
    return demo, app


@contextlib.contextmanager
def serving(settings: Settings, voice: bool = True) -> Iterator[tuple[str, App]]:
    """The app in this process on a free loopback port while the block runs, for the benchmarks
    and tests that drive it from a real browser or client: its URL, and the App behind it."""
    port = free_port()
    demo, app = launch(settings, host="127.0.0.1", port=port, voice=voice, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", app
    finally:
        app.room.close()
        app.stopping.set()
        demo.close()

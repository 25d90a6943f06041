"""The web app (`trainer serve`): the only package that imports gradio.

The rooms' logic lives in plain modules (`practice`, `review`, `workshop`, `access`) that
import no gradio and are tested without a browser; `ui` wires them to components.
"""

from trainer.settings import Settings


def serve(settings: Settings, host: str | None = None, port: int | None = None, voice: bool = True) -> None:
    """Start the app and block until Ctrl-C; gradio is imported only here."""
    from trainer.app.ui import launch

    launch(settings, host=host, port=port, voice=voice)

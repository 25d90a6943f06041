"""What the browser tests share: Debian's chromium through Playwright, a login, a screenshot.

`require_browser()` at the top of a test module skips it where the browser is missing, except
in CI, where a missing browser is a failure, not a silent skip.
"""

import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def require_browser() -> None:
    """Skip (fail in CI) the calling test module when chromium or playwright is missing."""
    missing = None
    if not CHROMIUM.exists():
        missing = "Debian chromium is not installed (bash scripts/setup test)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (bash scripts/setup test)"
    if missing and os.environ.get("CI"):
        pytest.fail(f"the browser test cannot run in CI: {missing}", pytrace=False)
    if missing:
        pytest.skip(missing, allow_module_level=True)


def screenshot_folder() -> Path:
    """CALLCOACH_SCREENSHOTS, else a folder in the temporary directory (printed, to look at)."""
    folder = Path(os.environ.get("CALLCOACH_SCREENSHOTS") or Path(tempfile.gettempdir()) / "callcoach-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def login(page, url: str, name: str, password: str) -> None:
    """gradio's login page, then the app with "Logged in as"."""
    page.goto(url)
    page.get_by_label("username").fill(name)
    page.get_by_label("password").fill(password)
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Logged in as").wait_for(timeout=30_000)

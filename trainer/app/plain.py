"""Text from trainees and persona files, shown as text: never as HTML, Markdown or hidden bidi.

An outside tester put `<img src=...>` tracking pixels, links and a fake `<form>` asking for a
password into persona lines and typed replies, and right-to-left override characters that
made one name read as another in the review desk. gradio's sanitiser removes scripts only.
So every such string goes through one of these before it reaches a page:
`html_text` where we build HTML, `markdown_text` where gradio renders Markdown (the
transcript, the scorecard, status lines), `cell_text` for tables.
"""

import html
import re

# Embedding, override and isolate controls, and the marks: they reorder what is shown
# without being visible themselves.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What makes links, images, emphasis, code and tables; list marks only restyle a line.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#!|~])")
_AUTOLINK = re.compile(r"://|\bwww\.", re.I)  # a bare address becomes a link in GitHub Markdown


def cell_text(text: object) -> str:
    """Bidi controls removed: for a table cell or a plain label."""
    return _BIDI.sub("", str(text))


def html_text(text: object) -> str:
    """Safe inside HTML we build: bidi controls removed, <, >, & and quotes escaped."""
    return html.escape(cell_text(text))


def markdown_text(text: object) -> str:
    """Safe inside Markdown: as `html_text`, and every Markdown mark escaped, so a typed
    `![x](https://tracker)` or `[click](https://evil)` shows as those characters."""
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(cell_text(text), quote=False))
    return _AUTOLINK.sub(lambda m: m.group(0).replace("/", "\\/").replace(".", "\\."), escaped)

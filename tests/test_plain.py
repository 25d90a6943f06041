"""What trainees type and trainers write is shown as text: no HTML, no Markdown links or
images, no hidden right-to-left overrides (findings of an outside tester)."""

from trainer.app.plain import cell_text, html_text, markdown_text
from trainer.app.practice import transcript_messages
from trainer.formats.call import CustomerLine, Turn

PIXEL = '<img src="https://tracker.example/p.png">'
FORM = '<form action="https://evil.example"><input name="password"></form>'
RLO = "ana\u202egnp.exe"


def test_html_and_bidi_are_neutralised_where_we_build_html() -> None:
    assert "<img" not in html_text(PIXEL) and "&lt;img" in html_text(PIXEL)
    assert "<form" not in html_text(FORM)
    assert cell_text(RLO) == "anagnp.exe" and "\u202e" not in html_text(RLO)


def test_markdown_links_images_and_bare_addresses_are_shown_as_characters() -> None:
    shown = markdown_text("![x](https://tracker.example/p.png) [click here](https://evil.example) www.evil.example")
    assert "](" not in shown.replace("\\](", "") and "![" not in shown.replace("\\!\\[", "")
    assert "://" not in shown and "www." not in shown
    assert markdown_text("It's fine, thanks.") == "It's fine, thanks."  # ordinary words stay as they are


def test_the_transcript_shows_a_persona_line_and_a_typed_reply_as_text(catalog) -> None:
    persona = catalog.persona("escalated").model_copy(update={"name": "Dana \u202eevil"})
    turn = Turn(index=0, customer=CustomerLine(text=f"Log in here: {FORM}", kind="opening", anger=70), reply=PIXEL)
    customer, trainee = transcript_messages(persona, [turn])
    for message in (customer, trainee):
        assert "<img" not in message["content"] and "<form" not in message["content"]
        assert "\u202e" not in message["content"]
    assert customer["content"].startswith("**Dana evil:**")

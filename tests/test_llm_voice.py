"""An LLM customer's line is voiced as it streams: the first sentence is ready to play
before the model has finished the line (issue 7, against a server speaking the real protocol)."""

from pathlib import Path

import soundfile
from fake_openai import FakeOpenAI, Reply
from pydantic import SecretStr

from trainer.call import Call, CallOptions, CallVoice
from trainer.customer.llm import LlmConfig, LlmCustomer
from trainer.settings import Settings

LINE = "Finally, someone listens. Now tell me exactly when my deals will be back on the board."


def _call(catalog, folder: Path, url: str, stream: bool) -> Call:
    persona = catalog.personas["escalated"]
    config = LlmConfig(base_url=url, api_key=SecretStr("k"), model="fake", timeout=8.0, stream=stream)
    voice = CallVoice.from_settings(Settings(sessions_dir=folder), persona)
    customer = LlmCustomer(persona, config, seed=1)
    return Call(persona, list(catalog.rubrics.values()), voice=voice, customer=customer, options=CallOptions(seed=1))


def test_the_first_sentence_is_voiced_while_the_model_is_still_writing(catalog, tmp_path: Path) -> None:
    pause = 1.5  # the model "thinks" after its first sentence
    # three words a streamed piece: the first piece ends the first sentence, then the pause
    with FakeOpenAI(default=Reply(text=LINE, words_per_chunk=3, pause_after="listens.", pause=pause)) as fake:
        call = _call(catalog, tmp_path, fake.base_url, stream=True)
        call.open()
        call.close()  # no background warm-up: the measured turn has the machine
        result = call.reply("I know every minute this is down costs you money, I'm on it right now.")
        call.close()
    seconds = result.seconds
    assert result.customer.engine == "llm" and result.customer.text == LINE
    assert seconds["first_audio"] < seconds["customer"] - pause / 2  # audio was ready mid-line
    audio = call.audio_path(result.customer)
    assert audio is not None and audio.is_file()
    assert soundfile.info(str(audio)).duration > 4  # the whole line, both sentences, is in the recording


def test_without_streaming_the_first_audio_waits_for_the_whole_line(catalog, tmp_path: Path) -> None:
    delay = 1.0  # the whole answer arrives at once, after this
    with FakeOpenAI(default=Reply(text=LINE, delay=delay)) as fake:
        call = _call(catalog, tmp_path, fake.base_url, stream=False)
        call.open()
        result = call.reply("I know every minute this is down costs you money, I'm on it right now.")
        call.close()
    assert result.seconds["first_audio"] >= delay

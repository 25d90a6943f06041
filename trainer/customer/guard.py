"""The output guard for model-written customer lines: pure functions, no model, no network.

A model asked to play a customer sometimes narrates (*sighs*), wraps its line in quotes,
labels the speaker, rambles, slips back into assistant-speak, swears where the persona
does not, or declares the problem fixed before the trainee has earned it. Any of that
would teach the trainee the wrong thing, so every sentence passes through here before a
voice speaks it. Sentences are released one at a time, as soon as they are complete, so a
voice can start on the first one while the model still writes the rest.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_SENTENCES = 3
MAX_CHARS = 320

_ENDS = ".!?…"
_CLOSERS = "\"'”’»)]"
_DOUBLE_QUOTES = '"“”„«»'
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "no", "approx"})

_DIRECTION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|(?<![\w*])\*[^*]+\*(?![\w*])")
_UNCLOSED = re.compile(r"(?:\(|\[|(?<![\w*])\*(?=\S)).*$", re.S)
_OWN_LABEL = re.compile(r"^\s*(?:customer|caller|client|me)\s*(?:\([^)]*\))?\s*:\s*", re.I)
_OTHER_LABEL = re.compile(
    r"^\s*(?:agent|support|assistant|user|trainee|representative|rep|operator|system|narrator|ai)\s*:", re.I
)
_ASSISTANT_SPEAK = re.compile(
    r"\b(?:as an ai|an ai (?:language )?model|language model|i(?:'m| am) (?:just )?an? (?:ai|assistant|chatbot|bot)\b"
    r"|as (?:a|your) (?:helpful |virtual )?assistant|i(?:'m| am) here to help|how (?:can|may) i (?:assist|help) you"
    r"|how can i assist|i (?:cannot|can't|can not|won't|will not) (?:comply|assist with|help with th|fulfil|fulfill)"
    r"|i(?:'m| am) (?:unable|not able) to (?:comply|assist|help with th)|i(?:'m| am) sorry,? but i (?:can't|cannot)"
    r"|openai|chatgpt|role-?play|in character|(?:my|the|your) (?:instructions|system prompt|prompt)"
    r"|is there anything else i can|feel free to (?:ask|reach)|let me know if you (?:have|need))",
    re.I,
)
_SWEARING = re.compile(
    r"\b(?:fuck\w*|motherfuck\w*|shit\w*|bullshit|bitch\w*|bastard\w*|ass(?:hole|hat)s?|arsehole\w*|dickhead\w*"
    r"|cunt\w*|piss(?:ed|ing)?|goddamn\w*|wank\w*|twat\w*)\b|\b[fs]\*{2,}",
    re.I,
)
_SOLVED = re.compile(
    r"\b(?:(?:it|everything|that|this|the problem|the issue)(?:'s| is| has been) (?:all |now |finally )*"
    r"(?:fixed|solved|resolved|sorted|working(?: again| now)?)\b"
    r"|(?:you(?:'ve| have)|that) (?:fixed|solved|resolved|sorted) (?:it|the problem|the issue|everything)"
    r"|i(?:'m| am) (?:now |completely |totally |fully )*satisfied|problem solved|all (?:fixed|sorted|good now))",
    re.I,
)


# "Okay, I'm in Integrations", "I clicked reconnect", "they're back": a step carried out.
_PROGRESS = re.compile(
    r"\bi(?:'ve| have)? (?:just |now )?(?:clicked|opened|pressed|hit|reconnected|cleared|selected|ticked|saved"
    r"|reloaded|refreshed|synced|signed (?:back )?in|logged (?:back )?in|done (?:it|that))\b"
    r"|\bi(?:'m| am) (?:now )?in (?:the )?\w+(?: settings| tab| page| screen)?\s*(?:now)?[.!]"
    r"|\b(?:they're|they are|it's|it is) (?:all )?back\b"
    r"|\bi (?:can )?see (?:it|them|the \w+) (?:now|again)\b",
    re.I,
)


@dataclass(frozen=True)
class GuardRules:
    """What this line may contain; the state machine decides, the guard enforces."""

    allow_swearing: bool = False
    allow_solved: bool = False  # only a satisfied customer may say the problem is fixed
    allow_progress: bool = False  # only after a step was carried out may they say they did it or see it
    max_sentences: int = MAX_SENTENCES
    max_chars: int = MAX_CHARS
    names: tuple[str, ...] = ()  # the persona's own names, stripped as speaker labels ("Dana:")


class OffCharacter(ValueError):
    """The model's first sentence is not the customer speaking: the scripted line stands in."""


def strip_directions(text: str) -> str:
    """Drop *actions*, (asides) and [notes]: a voice would read them out loud."""
    previous = None
    while previous != text:
        previous, text = text, _DIRECTION.sub(" ", text)
    return _UNCLOSED.sub("", text)


def _strip_quotes(text: str) -> str:
    """Drop quotes around the whole sentence or left dangling by the split, keep inner quotes."""
    while text:
        count = sum(text.count(q) for q in _DOUBLE_QUOTES)
        if len(text) >= 2 and text[0] in _DOUBLE_QUOTES and text[-1] in _DOUBLE_QUOTES and count == 2:
            text = text[1:-1].strip()
        elif count % 2 and text[0] in _DOUBLE_QUOTES:
            text = text[1:].strip()
        elif count % 2 and text[-1] in _DOUBLE_QUOTES:
            text = text[:-1].strip()
        else:
            break
    return text


def _strip_label(text: str, names: tuple[str, ...]) -> str:
    text = _OWN_LABEL.sub("", text)
    for name in sorted(names, key=len, reverse=True):
        if text.lower().startswith(name.lower()) and text[len(name) :].lstrip().startswith(":"):
            return text[len(name) :].lstrip()[1:].lstrip()
    return text


def clean_sentence(raw: str, names: tuple[str, ...] = ()) -> str:
    """One sentence as it should be spoken: no directions, labels, quotes or odd spacing."""
    text = strip_directions(raw)
    text = " ".join(text.split())
    text = _strip_quotes(_strip_label(_strip_quotes(text), names))
    text = re.sub(r"\s+([,.!?…;:])", r"\1", text)
    text = re.sub(r"^[\s,;:—–-]+", "", text)
    return text if re.search(r"\w", text) else ""


def rejection(sentence: str, rules: GuardRules) -> str | None:
    """Why a cleaned sentence is not this customer speaking now, or None if it is."""
    if _OTHER_LABEL.search(sentence):
        return "writes another speaker's part"
    if _ASSISTANT_SPEAK.search(sentence):
        return "assistant-speak"
    if not rules.allow_swearing and _SWEARING.search(sentence):
        return "swears where the persona does not"
    if not rules.allow_solved and _SOLVED.search(sentence):
        return "says the problem is solved before it is"
    if not rules.allow_progress and _PROGRESS.search(sentence):
        return "says a fix step worked before the trainee gave it"
    return None


def _is_abbreviation(text: str, dot: int) -> bool:
    """ "Mr." or "e.g." is not the end of a sentence."""
    word = re.search(r"([\w.]+)$", text[:dot])
    return text[dot] == "." and word is not None and word.group(1).lower() in _ABBREVIATIONS


def sentence_end(text: str, final: bool = False) -> int | None:
    """Index just past the first complete sentence, outside any stage direction, or None.

    A sentence is complete at end punctuation followed by a space, or at a line break;
    at the very end of the text it is complete only if the text is `final`."""
    depth, star = 0, False
    i = 0
    while i < len(text):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "*" and (star or i == 0 or not text[i - 1].isalnum()):
            star = not star
        elif char == "\n" and not depth and not star and text[:i].strip():
            return i + 1
        elif char in _ENDS and not depth and not star:
            end = i
            while end < len(text) and (text[end] in _ENDS or text[end] in _CLOSERS):
                end += 1
            if end == len(text):
                return end if final else None
            if text[end].isspace() and not _is_abbreviation(text, i):
                return end
            i = end
            continue
        i += 1
    return len(text) if final and text.strip() else None


def _trim(sentence: str, limit: int) -> str:
    """Cut one over-long sentence at a word boundary: better a short line than none."""
    cut = sentence[: max(1, limit - 3)].rsplit(" ", 1)[0].rstrip(" ,;:—–-")
    return f"{cut}..."


@dataclass
class SentenceGuard:
    """Feed it the model's text as it streams; it hands back guarded sentences as they complete.

    Raises OffCharacter if the first sentence is unusable (nothing has been spoken yet, so
    the scripted line can take its place). A bad later sentence ends the line there instead:
    what was already spoken cannot be taken back."""

    rules: GuardRules = field(default_factory=GuardRules)
    spoken: list[str] = field(default_factory=list)
    done: bool = False
    _pending: str = ""
    _chars: int = 0

    def feed(self, text: str) -> list[str]:
        """New text from the model; the sentences it completed."""
        if self.done:
            return []
        self._pending += text
        return self._release(final=False)

    def close(self, complete: bool = True) -> list[str]:
        """The model has finished; a trailing fragment counts only if the reply was complete."""
        released = [] if self.done or not complete else self._release(final=True)
        self.done = True
        if not self.spoken:
            raise OffCharacter("empty reply")
        return released

    def _release(self, final: bool) -> list[str]:
        released: list[str] = []
        while not self.done:
            end = sentence_end(self._pending, final)
            if end is None:
                break
            raw, self._pending = self._pending[:end], self._pending[end:]
            sentence = self._accept(clean_sentence(raw, self.rules.names))
            if sentence:
                released.append(sentence)
        return released

    def _accept(self, sentence: str) -> str:
        """The sentence to speak, or "" to skip it; ends the line when it must end."""
        if not sentence:
            return ""
        reason = rejection(sentence, self.rules)
        if reason and not self.spoken:
            self.done = True
            raise OffCharacter(reason)
        room = self.rules.max_chars - self._chars - (1 if self.spoken else 0)
        if reason or (self.spoken and len(sentence) > room):
            self.done = True
            return ""
        if len(sentence) > room:
            sentence = _trim(sentence, room)
        self.spoken.append(sentence)
        self._chars += len(sentence) + (1 if len(self.spoken) > 1 else 0)
        self.done = len(self.spoken) >= self.rules.max_sentences or self._chars >= self.rules.max_chars
        return sentence


def split_sentences(text: str) -> list[str]:
    """A trusted line (the scripted one) in sentences, for a voice that speaks them one by one."""
    sentences: list[str] = []
    while (end := sentence_end(text, final=True)) is not None:
        if sentence := " ".join(text[:end].split()):
            sentences.append(sentence)
        text = text[end:]
    return sentences


def guard_sentences(chunks: Iterable[str], rules: GuardRules) -> list[str]:
    """A whole reply (or its streamed pieces) to the sentences the customer may say."""
    guard = SentenceGuard(rules)
    sentences: list[str] = []
    for chunk in chunks:
        sentences += guard.feed(chunk)
        if guard.done:
            break
    return sentences + guard.close()


def guard_line(text: str, rules: GuardRules | None = None) -> str | None:
    """The spoken line from a model's reply, or None when the scripted line must stand in."""
    try:
        return " ".join(guard_sentences([text], rules or GuardRules()))
    except OffCharacter:
        return None

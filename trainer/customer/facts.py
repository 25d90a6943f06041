"""Which of the persona's facts a trainee's question asks for, by meaning, not shared words.

"How long has this been going on?" asks for "when it started" without one of its keywords.
Each fact is read several ways (its topic, its keywords, the example questions the persona
file gives for it, its answer) by the sentence encoder (`trainer.meaning`), and a small learned
model (`fact_chooser`) weighs how the question relates to each reading and to the other facts.
Questions in the words of a call come first: speech recognition writes no "?", so a question
is also known by its words and their order (below).
"""

import functools
import re

import numpy as np
from pydantic import BaseModel, ConfigDict

from trainer.customer import fact_chooser
from trainer.formats.errors import TrainerError
from trainer.formats.persona import Fact
from trainer.meaning import embedded, sentence_encoder

# What support agents ask that a customer's facts never cover: their setup in general, their
# account and identity, routine troubleshooting. A persona whose facts do answer one of these
# wins by being closer (its own `asks` name its own things); otherwise the customer does not know.
# How close a question comes to the closest of these is one of the chooser's measures.
UNANSWERABLE = (
    "Which web browser are you using?",
    "What operating system is your computer on, Windows or Mac?",
    "Are you on the phone app or on a computer?",
    "Which version of the app do you have?",
    "How is your internet connection?",
    "What's your account number?",
    "What is your email address?",
    "Can I get a phone number to reach you on?",
    "Could you spell your full name for me?",
    "What's your job title?",
    "What is your role in the company?",
    "How many people work at your company?",
    "Which plan or subscription are you on?",
    "How much are you paying per month?",
    "What's your customer ID or reference number?",
    "Have you tried restarting your computer?",
    "Have you tried clearing your browser cache?",
    "Did you try reinstalling the app?",
    "What's the address of your website?",
    "Who is your website hosting provider?",
    "What's the name of the other software you use?",
    "What's your colleague's email address?",
    "How many users do you have on your account?",
    "What time zone are you in?",
    "What's your date of birth?",
    "Which country are you calling from?",
    "What's the weather like where you are?",
    "Do you have a ticket number?",
    # More of the same kinds, none naming what a persona's facts cover (who else is affected, their
    # device or setup, their role, what changed, the money at stake): a near miss there would turn
    # a fact the customer has into "I don't know".
    "Which email provider do you use?",
    "What other tools or integrations are connected to your account?",
    "Which platform is your website built on?",
    "What's the web address of the page?",
    "Which advertising platform do you use?",
    "What's your username or the email you log in with?",
    "What's the name of your company?",
    "What's your user ID?",
    "How long have you been a customer with us?",
    "How many records are in your account altogether?",
    "How many people does your team have?",
    "Have you tried logging out and logging back in?",
    "Have you tried a different browser or computer?",
    "Have you tried refreshing the page?",
    "What's their phone number or email address?",
    "What's the deadline for getting this fixed?",
    "What's a good time to call you back?",
    "Is there anything else I can help you with today?",
)
# "Could you refresh the page?" asks the customer to do something, not to tell something:
# it gets no answer and no "I don't know". Asking them to tell, read or check is a question.
_REQUEST = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|now)\W+){0,3}(?:could|can|would|will)\s+you\s+"
    r"(?!(?:(?:please|just|quickly|maybe|also|actually)\s+)*(?:be able to\s+)?"
    r"(?:tell|read|describe|say|check|see|look|let me know|confirm|remember|recall|explain|mind|give me"
    r"|(?:walk|talk|take|run) me\b|go (?:over|through)\b|share\b|clarify|spell|think|find out))",
    re.I,
)


# "Tell me when you're there" asks to hear back after doing something: a check-in, not a question.
_CHECK_IN = re.compile(r"^\W*(?:(?:ok|okay|so|and|now)\W+)?(?:tell me|let me know)\s+(?:when|once)\s+you", re.I)
_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_ASKS = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|alright|now)\W+){0,3}"
    r"(?:what|whats|when|which|who|how|where|why|can you|could you|would you|did you|do you|have you"
    r"|can i|could i|may i|is it|is there|are you|tell me|any(?!\s+(?:time|way|how)\b))\b",
    re.I,
)


def is_request(question: str) -> bool:
    return bool(_REQUEST.search(question) or _CHECK_IN.search(question))


# Spoken replies come without "?": a question is also a question word followed by the verb
# ("roughly when did the deals vanish", "what calendar app does your team use"), but not an
# embedded one ("I know what you mean", "a person who will tell you"), or a yes/no question,
# each at the start, after a pause word or after a comma ("ok so is it only you or the whole team").
_AUX = r"(?:did|do|does|is|are|was|were|has|have|had|can|could|would|will|should)"
_OPENS = r"(?:^|[,;:]|\b(?:and|so|but|ok|okay|uh|um|also|just|now|right|roughly|then|exactly|actually|honestly)\b)\s*"
_WH_QUESTION = re.compile(
    rf"{_OPENS}(?:what|whats|when|which|who|whose|where|why|how(?:\s+(?:long|many|much|often|come))?)\s+"
    rf"(?:(?:this|that|last|yesterday)\s+(?:morning|afternoon|evening|night|week|month)\s+"
    rf"|(?!(?:i|you|he|she|it|we|they|that|this|these|those|there)\b)\w+\s+){{0,3}}?{_AUX}\b"
    r"|\bsince (?:when|what)\b|\b(?:walk|talk|take|run) me through\b|\bthen what\W*$|\b(?:describe|tell me)\b"
    r"|\b(?:says?|said|shows?|showed|is|was|are|were)\s+what(?:\s+exactly)?\W*$",
    re.I,
)
# Spoken lead-ins that ask without a question word up front: "I'd like to know when it started",
# "I was wondering who set it up", "just to check, it's only you", "it started Monday, right".
_WH = r"(?:what|whats|when|which|who|whose|where|why|how|if|whether|about)\b"
_LEAD_IN = re.compile(
    r"\b(?:like|love|want|wanted|need|needed)\s+to\s+know\b"
    r"|\b(?:trying|try|have|going|want|wanted|need|like)\s+to\s+"
    rf"(?:understand|find out|figure out|hear|ask|check|confirm)\s+(?:\w+\s+){{0,2}}?{_WH}"
    rf"|\b(?:wondering|curious|wonder)\s+(?:\w+\s+){{0,2}}?{_WH}|\bhelp me (?:understand|figure out)\b"
    r"|\b(?:mind if|can|could|may) i ask\b|\blet me ask\b|\bquick question\b"
    r"|\bjust to (?:check|confirm|clarify|be sure|make sure|double[- ]check)\b"
    r"|,\s*(?:right|correct|is that right|is that correct|am i right)\W*$",
    re.I,
)
# "before you hit go did it all look right": a clause first, then the question's own word order.
_AFTER_CLAUSE = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|now)\W+){0,3}(?:before|after|when|once|if|while|whenever)\s+\w+\s+\w+"
    r"[^,;]*?\s(?:did|do|does|is|are|was|were|has|have)\s+(?:it|you|they|he|she|we|that|this|there|anything|anyone)\b",
    re.I,
)
_YES_NO = re.compile(
    rf"{_OPENS}{_AUX}\s+"
    r"(?:you|he|she|they|it|we|anyone|anybody|anything|someone|somebody|there|this|that|the|your|any|some|other|others|people|everyone|everybody|all)\b",
    re.I,
)
# Word order gives a question away wherever it stands, after whatever came first ("just so I can
# flag it what's the total", "and on a normal day how often would you expect one", "while it's
# bouncing back do you notice anything"): a question word, at most one word more, then the verb
# before its subject; "what's" after a pause; "do you" or "have you" not said by "I" or "we"
# ("I have you down as the owner"). A yes/no question about a thing may start with it ("has
# support let you down", "are contacts still coming in"), but not with "have" or "do", which
# begin instructions ("have a look", "do let me know").
_SUBJECT = r"(?:i|you|he|she|it|we|they|there|anyone|anybody|the|your|this|that)\b(?!['’])"
_INVERTED = re.compile(
    r"\b(?:what|which|when|where|why|who|how)\s+"
    r"(?:(?!(?:i|you|he|she|it|we|they|that|this|these|those|there|the|a|an)\b)\w+\s+)?"
    rf"{_AUX}\s+{_SUBJECT}"
    r"|(?:^|[,;:]|\b(?:and|so|but|ok|okay|then|now|right|also)\b)\s*(?:what|who|where|how)['’]s\b"
    r"|(?<!\bi\s)(?<!\bwe\s)(?<!\bto\s)(?<!\bme\s)(?<!\blet\s)(?<!\bthey\s)(?<!\byou\s)(?<!\bif\s)"
    r"\b(?:do|did|have|are|were)\s+you\b(?!['’])",
    re.I,
)
_OPENS_ABOUT_A_THING = re.compile(
    r"^\W*(?:(?:um|uh|so|okay|ok|and|well|right|now|also|just)\W+){0,3}(?:are|is|was|were|has|had|did|does)\s+\w+",
    re.I,
)


def _asks(sentence: str) -> bool:
    s = sentence.strip()
    return s.endswith("?") or any(
        r.search(s) for r in (_ASKS, _WH_QUESTION, _YES_NO, _LEAD_IN, _AFTER_CLAUSE, _INVERTED, _OPENS_ABOUT_A_THING)
    )


def questions_in(reply: str) -> list[str]:
    """The sentences of a reply that ask something: "...?", or a question in words (see above)."""
    return [s for s in _SENTENCE.findall(reply) if _asks(s)]


def first_question(reply: str) -> str | None:
    """The question a caller answers: the first that asks them to tell something, not to do it."""
    return next((q for q in questions_in(reply) if not is_request(q)), None)


class FactMatcher:
    """The facts of one persona, embedded once; `match` is one encoder call per question."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = facts
        self._views = fact_chooser.views_of(facts)
        embedded(UNANSWERABLE)  # once a process, at the call's start rather than in its first answer

    def features(self, question: str) -> np.ndarray:
        """(facts, features): how the question relates to each fact (see `fact_chooser`)."""
        vector = sentence_encoder().embed([question])[0]
        unknown = fact_chooser.unknown_closeness(vector, UNANSWERABLE)
        return fact_chooser.pair_features(self._views, question, vector, unknown)

    def match(self, question: str) -> Fact | None:
        """The fact asked for, or None: no fact likely enough, which is also the answer when the
        question is closer to something no customer of ours would know."""
        if not self.facts:
            return None
        best = _weights().choose(self.features(question))
        return None if best is None else self.facts[best]


@functools.cache
def _weights() -> fact_chooser.ChooserWeights:
    return fact_chooser.load_weights()


class FactQuestion(BaseModel):
    """A row of a question set: which fact of which persona it asks for (None: no fact does)."""

    model_config = ConfigDict(extra="forbid")

    persona: str
    question: str
    topic: str | None


def question_accuracy(rows: list[FactQuestion], personas: dict) -> tuple[int, int, list[str]]:
    """(right, total, mistakes): the fact asked for, or none when no fact answers the question.
    Each row is heard as in a call: its first question, chosen as `FactMatcher.match` chooses."""
    weights, right, mistakes = _weights(), 0, []
    for row, (features, _) in zip(rows, fit_rows(rows, personas), strict=True):
        facts = personas[row.persona].problem.facts
        best = weights.choose(features) if features is not None else None
        got = facts[best].topic if best is not None else None
        if got == row.topic:
            right += 1
        else:
            mistakes.append(f"{row.persona}: {row.question!r}: wanted {row.topic}, got {got}")
    return right, len(rows), mistakes


def fit_rows(rows: list[FactQuestion], personas: dict) -> list[fact_chooser.FitRow]:
    """Each row as the chooser is fit on it: the pair features of the question the customer
    hears in it (None: none), and the index of the fact it asks for (None: no fact)."""
    matchers: dict[str, FactMatcher] = {}
    fitted: list[fact_chooser.FitRow] = []
    for row in rows:
        persona = personas[row.persona]
        matcher = matchers.setdefault(persona.id, FactMatcher(persona.problem.facts))
        topics = [f.topic for f in matcher.facts]
        if row.topic is not None and row.topic not in topics:
            raise TrainerError(f"{persona.id} has no fact {row.topic!r} (its facts: {', '.join(topics)})")
        question = first_question(row.question)
        right = topics.index(row.topic) if row.topic is not None else None
        fitted.append((matcher.features(question) if question and topics else None, right))
    return fitted

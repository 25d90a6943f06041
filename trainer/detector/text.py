"""Turn a reply, typed or transcribed, into one normalized token stream.

Patterns match the normalized stream; every normalized token remembers the characters
of the original reply it came from, so evidence can quote the trainee's own words.
"""

import re
from dataclasses import dataclass

BOUNDARY = "|"

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*|[.!?;:]+|\s[-–—]+\s|,")
_HARD_STOPS = {"but", "however", "although", "though", "whereas"}

FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "erm", "er", "eh", "hmm", "hm", "mm", "mhm", "ah", "ahh"})

# Expansions cover typed contractions and the apostrophe-less forms speech-to-text
# and punctuation stripping produce ("dont", "im", "youre").
CONTRACTIONS: dict[str, str] = {
    "won't": "will not",
    "wont": "will not",
    "can't": "can not",
    "cant": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "i'm": "i am",
    "im": "i am",
    "you're": "you are",
    "youre": "you are",
    "we're": "we are",
    "they're": "they are",
    "theyre": "they are",
    "it's": "it is",
    "that's": "that is",
    "thats": "that is",
    "what's": "what is",
    "whats": "what is",
    "there's": "there is",
    "theres": "there is",
    "here's": "here is",
    "let's": "let us",
    "lets": "let us",
    "i'll": "i will",
    "ill": "i will",
    "you'll": "you will",
    "youll": "you will",
    "we'll": "we will",
    "they'll": "they will",
    "it'll": "it will",
    "i've": "i have",
    "ive": "i have",
    "you've": "you have",
    "youve": "you have",
    "we've": "we have",
    "i'd": "i would",
    "you'd": "you would",
    "youd": "you would",
    "we'd": "we would",
    "he's": "he is",
    "she's": "she is",
    "who's": "who is",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "lemme": "let me",
    "gimme": "give me",
    "y'all": "you all",
    "ya": "you",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "ok": "okay",
    "k": "okay",
    "dont": "do not",
    "didnt": "did not",
    "doesnt": "does not",
    "isnt": "is not",
    "wasnt": "was not",
    "arent": "are not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "hadnt": "had not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "mustnt": "must not",
    "whos": "who is",
    "hes": "he is",
    "e-mail": "email",
    "screenshare": "screen share",
    "screensharing": "screen sharing",
}
# Fixed phrases whose negation word does not negate what follows.
IDIOMS: dict[tuple[str, ...], str] = {
    ("no", "worries"): "noworries",
    ("no", "problem"): "noproblem",
    ("not", "a", "problem"): "noproblem",
    ("no", "doubt"): "nodoubt",
    ("do", "not", "worry"): "dontworry",
    ("never", "mind"): "nevermind",
    ("not", "only"): "notonly",
    ("no", "matter"): "nomatter",
}
NEGATORS = frozenset(
    {"not", "never", "no", "nothing", "nobody", "none", "without", "instead", "hardly", "neither", "nor"}
)


@dataclass(frozen=True)
class Token:
    text: str  # normalized
    start: int  # span in the original reply
    end: int


@dataclass(frozen=True)
class Normalized:
    original: str
    tokens: tuple[Token, ...]
    joined: str  # tokens joined by single spaces
    char_to_token: tuple[int, ...]

    def span_of(self, start: int, end: int) -> tuple[int, int]:
        """Token indices [first, last] covering joined[start:end]."""
        first = self.char_to_token[start]
        last = self.char_to_token[max(start, end - 1)]
        return first, last

    def quote(self, first: int, last: int) -> str:
        return self.original[self.tokens[first].start : self.tokens[last].end].strip(" ,")


def _raw_tokens(text: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        word = match.group().strip().lower().replace("’", "'")
        if not word or word[0] in ".!?;:,-–—":
            tokens.append(Token(BOUNDARY, match.start(), match.end()))
            continue
        for part in CONTRACTIONS.get(word, word).split():
            if part.endswith("n't"):
                tokens.extend([Token(part[:-3], match.start(), match.end()), Token("not", match.start(), match.end())])
            elif (
                part.endswith("'s")
                or part.endswith("'re")
                or part.endswith("'ve")
                or part.endswith("'ll")
                or part.endswith("'d")
            ):
                stem, _, _ = part.partition("'")
                tokens.append(Token(stem, match.start(), match.end()))
            else:
                tokens.append(Token(part, match.start(), match.end()))
    return tokens


def _merge_idioms(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for phrase, merged in IDIOMS.items():
            n = len(phrase)
            if tuple(t.text for t in tokens[i : i + n]) == phrase:
                out.append(Token(merged, tokens[i].start, tokens[i + n - 1].end))
                i += n
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


# "like" is a filler unless a word before it makes it a verb or a comparison
# ("i would like", "looks like", "talk to me like that").
LIKE_KEEPERS = frozenset(
    [
        "would",
        "i",
        "you",
        "we",
        "they",
        "look",
        "looks",
        "looked",
        "sound",
        "sounds",
        "sounded",
        "seem",
        "seems",
        "feel",
        "feels",
        "felt",
        "me",
        "something",
        "anything",
        "nothing",
        "things",
        "stuff",
        "just",
        "more",
        "less",
        "much",
        "exactly",
        "talk",
        "talking",
        "speak",
        "speaking",
        "treat",
        "treating",
        "what",
        "is",
        "it",
        "that",
        "this",
    ]
)
# "you know" is a filler unless what follows is what they know ("you know your way around").
YOU_KNOW_KEEPERS = frozenset(
    [
        "what",
        "your",
        "how",
        "the",
        "that",
        "this",
        "exactly",
        "where",
        "why",
        "when",
        "more",
        "it",
        "if",
        "about",
        "my",
        "our",
        "best",
        "better",
        "what's",
    ]
)


def _is_filler(tokens: list[Token], index: int, out: list[Token]) -> bool:
    word = tokens[index].text
    if word in FILLERS:
        return True
    following = tokens[index + 1].text if index + 1 < len(tokens) else BOUNDARY
    if word == "like":
        return not out or out[-1].text not in LIKE_KEEPERS
    if word == "you" and following == "know":
        after = tokens[index + 2].text if index + 2 < len(tokens) else BOUNDARY
        return after not in YOU_KNOW_KEEPERS
    return False


def _drop_disfluencies(tokens: list[Token]) -> list[Token]:
    """Remove fillers ("um", "like", "you know") and stutters ("i i", "i can i can")."""
    out: list[Token] = []
    skip = 0
    for index, token in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        if _is_filler(tokens, index, out):
            skip = 1 if token.text == "you" else 0  # "you know" is two tokens
            continue
        if out and token.text == out[-1].text:
            continue
        out.append(token)
        if len(out) >= 4 and out[-1].text == out[-3].text and out[-2].text == out[-4].text:
            del out[-2:]  # a repeated pair: "i can i can"
    return out


def _mark_clauses(tokens: list[Token]) -> list[Token]:
    """Put a boundary before contrastive conjunctions so negation never crosses "but"."""
    out: list[Token] = []
    for token in tokens:
        if token.text in _HARD_STOPS and out and out[-1].text != BOUNDARY:
            out.append(Token(BOUNDARY, token.start, token.start))
        out.append(token)
    while out and out[0].text == BOUNDARY:
        out.pop(0)
    return out


def normalize(text: str) -> Normalized:
    tokens = _mark_clauses(_drop_disfluencies(_merge_idioms(_raw_tokens(text))))
    pieces: list[str] = []
    char_to_token: list[int] = []
    for index, token in enumerate(tokens):
        if pieces:
            pieces.append(" ")
            char_to_token.append(index)
        pieces.append(token.text)
        char_to_token.extend([index] * len(token.text))
    return Normalized(text, tuple(tokens), "".join(pieces), tuple(char_to_token))

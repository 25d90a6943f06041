"""A reply strung together from the playbook's stock phrases, instead of an answer.

An outside tester scored 85-100 by reciting "I hear you I understand I'm sorry that's not okay
you did nothing wrong I'm on it right now I'll email you let me explain why". The detector
may find only two behaviours in such a run-on, so counting behaviours alone misses it. What
gives it away is the words: several stock phrases and almost nothing else, nothing about the
customer or their problem. A long real answer that uses the same phrases around its own
content (what broke, what to click) is not a recital.
"""

import re

# The playbook's example phrasings (`../shared/cx-playbook.md`), as a trainee reciting them says them.
STOCK_PHRASES = (
    r"i hear you",
    r"i (?:totally |completely |really )?understand",
    r"i(?:'m| am) (?:so |really |very )?sorry",
    r"that(?:'s| is) not okay",
    r"you did nothing wrong",
    r"(?:it(?:'s| is) )?not your fault",
    r"i(?:'m| am) on it",
    r"right now",
    r"i(?:'ll| will) email you",
    r"let me explain why",
    r"i can hear how (?:frustrat\w+|upset\w*|annoy\w+)(?: (?:this|that) (?:is|has been))?",
    r"let(?:'s| us) get this fixed(?: together)?",
    r"i(?:'ll| will) stay on (?:it|the line|this)",
    r"i know every minute (?:this is down )?costs you",
    r"(?:let(?:'s| us) )?(?:set up |do )?a screen share",
    r"i(?:'ll| will) call you back",
    r"that must be (?:so )?(?:frustrating|annoying|hard)",
)
_PHRASES = [re.compile(rf"\b{p}\b", re.I) for p in STOCK_PHRASES]
RECITAL_PHRASES = 4  # distinct stock phrases in one reply
RECITAL_SHARE = 0.6  # of its words


def recites_phrase_bank(reply: str) -> bool:
    """Four or more stock phrases that make up most of the reply."""
    words = re.findall(r"[\w']+", reply)
    if not words:
        return False
    spans = [m.span() for p in _PHRASES for m in p.finditer(reply)]
    if len({p.pattern for p in _PHRASES if p.search(reply)}) < RECITAL_PHRASES:
        return False
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    stock_words = sum(1 for m in re.finditer(r"[\w']+", reply) if m.start() in covered)
    return stock_words / len(words) >= RECITAL_SHARE

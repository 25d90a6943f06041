"""Pick a persona's lines at random without repeating one until every variant was used."""

import random

from trainer.formats.persona import LineKind, Persona


class LinePicker:
    def __init__(self, persona: Persona, seed: int) -> None:
        self._persona = persona
        self._rng = random.Random(seed)
        self._decks: dict[LineKind, list[str]] = {}
        self._last: dict[LineKind, str] = {}
        # Its own generator: an "I don't know" never shifts which line of a kind comes next.
        self._answers = random.Random(seed + 1)

    def pick(self, kind: LineKind) -> str:
        deck = self._decks.get(kind)
        if not deck:
            deck = list(self._persona.lines.variants(kind))
            self._rng.shuffle(deck)
            if len(deck) > 1 and deck[-1] == self._last.get(kind):
                deck.insert(0, deck.pop())  # never the same line twice in a row
            self._decks[kind] = deck
        line = deck.pop()
        self._last[kind] = line
        return line

    def choose(self, options: list[str]) -> str:
        """One of a short list of answers (not a line kind): "I don't know", "like I said"."""
        return self._answers.choice(options)

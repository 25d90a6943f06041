"""The customer on the other end of the line: the code owns the mood, lines are picked."""

from typing import Any

from trainer.customer.lines import LinePicker
from trainer.customer.scripted import ScriptedCustomer
from trainer.customer.state import CustomerState

__all__ = ["CustomerState", "LinePicker", "LlmCustomer", "ScriptedCustomer"]


def __getattr__(name: str) -> Any:
    """LlmCustomer on first use only: the openai client costs a second to import, and a
    scripted call (the default) never needs it."""
    if name == "LlmCustomer":
        from trainer.customer.llm import LlmCustomer

        return LlmCustomer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The customer on the other end of the line: the code owns the mood, lines are picked."""

from trainer.customer.lines import LinePicker
from trainer.customer.scripted import ScriptedCustomer
from trainer.customer.state import CustomerState

__all__ = ["CustomerState", "LinePicker", "ScriptedCustomer"]

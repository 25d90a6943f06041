"""callcoach: a voice role-play trainer for customer-support teams.

Data flows one way: reply -> detected behaviours -> customer reaction and rubric
scores -> session log. Each step lives in its own module, named after it.
"""

__version__ = "0.1.0"

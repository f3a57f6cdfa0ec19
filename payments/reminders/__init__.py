"""Reminders: find what threatens the execution rate and tell the right people, once.

One responsibility per module, each importing only those above it in this list:

- :mod:`~payments.reminders.keys`: the typed notice key (rule, subject, period, step)
  and its stored form;
- :mod:`~payments.reminders.rules`: what is due, late or behind, over plain values
  (no database; table-driven tests in tests/reminders/test_rules.py);
- :mod:`~payments.reminders.messages`: what the notices, e-mails and robot say;
- :mod:`~payments.reminders.inbox`: what a person reads (unread count, notification
  centre, urgent notices);
- :mod:`~payments.reminders.candidates`: the scan's reads, every notice that should
  exist on a date;
- :mod:`~payments.reminders.delivery`: in-app notifications, then e-mail and robot, once;
- :mod:`~payments.reminders.scan`: the scan's writes (create, resolve, reopen);
- :mod:`~payments.reminders.posted`: notices a higher app posts (a monitoring round's
  warnings), once by key, which the scan leaves alone.

The Celery tasks (payments/tasks.py) call :func:`run`, :func:`dispatch` and
:func:`resolve_for_installment`; these modules queue them by name, never import them.
The names below are the package's entry points.
"""

import importlib

# The entry points, each from its module, imported on first use: importing one module of
# the package (payments.selectors imports the rules) must not import all the others.
_ENTRY_POINTS = {
    "Candidate": "candidates",
    "due_rows": "candidates",
    "find": "candidates",
    "APP_ONLY": "delivery",
    "INLINE": "delivery",
    "QUEUE": "delivery",
    "Sent": "delivery",
    "deliver": "delivery",
    "dispatch": "delivery",
    "inbox_changed": "inbox",
    "live_title": "inbox",
    "unread_count": "inbox",
    "post": "posted",
    "resolve_posted": "posted",
    "Outcome": "scan",
    "resolve_after_commit": "scan",
    "resolve_for_installment": "scan",
    "run": "scan",
}
__all__ = sorted(_ENTRY_POINTS)


def __getattr__(name: str):
    if name not in _ENTRY_POINTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_ENTRY_POINTS[name]}")
    return getattr(module, name)

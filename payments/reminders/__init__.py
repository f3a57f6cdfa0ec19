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
- :mod:`~payments.reminders.scan`: the scan's writes (create, resolve, reopen).

The Celery tasks (payments/tasks.py) call :func:`run`, :func:`dispatch` and
:func:`resolve_for_installment`; these modules queue them by name, never import them.
The names below are the package's entry points.
"""

from payments.reminders.candidates import Candidate, due_rows, find
from payments.reminders.delivery import INLINE, QUEUE, Sent, deliver, dispatch
from payments.reminders.inbox import inbox_changed, live_title, unread_count
from payments.reminders.scan import Outcome, resolve_after_commit, resolve_for_installment, run

__all__ = [
    "INLINE",
    "QUEUE",
    "Candidate",
    "Outcome",
    "Sent",
    "deliver",
    "dispatch",
    "due_rows",
    "find",
    "inbox_changed",
    "live_title",
    "resolve_after_commit",
    "resolve_for_installment",
    "run",
    "unread_count",
]

"""The notice key: which rule, about what, for which period, at which step.

A notice's key is unique in the database, so a second scan, a retry or two beat ticks at
once find the notice already there. The key is stored as text (``Notice.key``); this
module is the one place that writes and reads that text:

======================  =============================================  ==================
rule                    stored form                                    step
======================  =============================================  ==================
due soon                ``due_soon:{installment}:{due date}:{days}``   the threshold
late                    ``late:{installment}:{due date}:L{level}``     the level
documents late          ``documents_late:{installment}:{deadline}``
approved, unpaid        ``approved_unpaid:{installment}:{approved}``
behind time progress    ``behind_target:{bureau}:{YYYY-MM}``
low projection          ``projection_low:{bureau}:{YYYY-MM}``
monitoring warning      ``monitoring:{round}:P{project}``              (posted)
======================  =============================================  ==================

The period is part of the key: after a due date or a deadline moves, or a month passes,
the installment's (or bureau's) notices start again. Keys stored before the due date
joined the key (``late:{installment}:L{level}``, see migration 0007) still parse, with an
empty period, so their notices keep matching and resolving.
"""

import datetime
from dataclasses import dataclass

from payments.models import Notice

R = Notice.Rule
# Rules whose keys end in a step (a threshold, a level) after the period.
STEPPED = frozenset({R.DUE_SOON.value, R.LATE.value})


@dataclass(frozen=True, slots=True)
class NoticeKey:
    """A notice's identity. ``str(key)`` is what ``Notice.key`` stores."""

    rule: str  # a Notice.Rule value, as plain text (an enum member hashes differently)
    subject: int  # the installment's id, or the bureau's for the execution rules
    period: str = ""  # an ISO date, or a month (YYYY-MM); empty in keys older than 0007
    step: str = ""  # due soon: the threshold in days; late: "L1", "L2", "L3"

    def __str__(self) -> str:
        # Written out rather than joined: the scan makes tens of thousands of keys.
        text = f"{self.rule}:{self.subject}"
        if self.period:
            text = f"{text}:{self.period}"
        return f"{text}:{self.step}" if self.step else text

    @classmethod
    def parse(cls, text: str) -> "NoticeKey":
        """The key a stored ``Notice.key`` holds; ``ValueError`` if it is not one."""
        rule, _sep, rest = text.partition(":")
        parts = rest.split(":") if rest else []
        if not rule or not parts or not parts[0].isdigit():
            raise ValueError(f"not a notice key: {text!r}")
        subject, tail = int(parts[0]), parts[1:]
        if rule in STEPPED:
            if len(tail) == 2:
                return cls(rule, subject, tail[0], tail[1])
            if len(tail) == 1:  # before migration 0007: no due date
                return cls(rule, subject, "", tail[0])
        elif len(tail) == 1:
            return cls(rule, subject, tail[0])
        elif not tail:
            return cls(rule, subject)
        raise ValueError(f"not a notice key: {text!r}")

    @property
    def family(self) -> tuple:
        """The key without its last part: notices of one family differ by level or
        threshold (stepped rules) or by period (the others). A notice whose family still
        applies under another key was escalated or entered a new period."""
        if self.step:
            return (self.rule, self.subject, self.period)
        return (self.rule, self.subject)

    @property
    def level(self) -> int | None:
        """A late notice's level (1, 2, 3)."""
        if self.rule == R.LATE and self.step.startswith("L") and self.step[1:].isdigit():
            return int(self.step[1:])
        return None

    # --- the keys the scan makes ----------------------------------------------------------

    @classmethod
    def due_soon(cls, installment_id: int, due: datetime.date, threshold: int) -> "NoticeKey":
        return cls(R.DUE_SOON.value, installment_id, due.isoformat(), str(threshold))

    @classmethod
    def late(cls, installment_id: int, due: datetime.date, level: int) -> "NoticeKey":
        return cls(R.LATE.value, installment_id, due.isoformat(), f"L{level}")

    @classmethod
    def documents_late(cls, installment_id: int, deadline: datetime.date) -> "NoticeKey":
        return cls(R.DOCUMENTS_LATE.value, installment_id, deadline.isoformat())

    @classmethod
    def approved_unpaid(cls, installment_id: int, approved_on: datetime.date) -> "NoticeKey":
        return cls(R.APPROVED_UNPAID.value, installment_id, approved_on.isoformat())

    @classmethod
    def behind_target(cls, bureau_id: int, month_end: datetime.date) -> "NoticeKey":
        return cls(R.BEHIND_TARGET.value, bureau_id, f"{month_end:%Y-%m}")

    @classmethod
    def projection_low(cls, bureau_id: int, as_of: datetime.date) -> "NoticeKey":
        return cls(R.PROJECTION_LOW.value, bureau_id, f"{as_of:%Y-%m}")

    @classmethod
    def monitoring(cls, round_id: int, project_id: int) -> "NoticeKey":
        """A monitoring round's warning about one project (posted, not scanned)."""
        return cls(R.MONITORING.value, round_id, f"P{project_id}")

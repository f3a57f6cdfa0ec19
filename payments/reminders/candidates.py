"""What the scan finds: every notice that should exist on a date, read in bounded queries.

:func:`find` reads the installments that may call for a notice and every bureau's
execution, asks :mod:`payments.reminders.rules` about each, and returns the candidates
(key, recipients, text). It writes nothing; :mod:`payments.reminders.scan` does.
"""

import datetime
import gc
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from core.money import to_yuan
from payments import selectors
from payments.models import (
    Installment,
    Notice,
    ReminderSettings,
    RequiredDocument,
    installment_label,
)
from payments.reminders import messages, rules
from payments.reminders.keys import NoticeKey

R = Notice.Rule


@dataclass
class Candidate:
    """A notice that should exist on the scan date."""

    key: str  # str(NoticeKey): what Notice.key stores
    bureau_id: int
    rule: str
    url: str
    title: str = ""
    body: str = ""
    level: int = 1
    urgent: bool = False
    installment_id: int | None = None
    owner_ids: set[int] = field(default_factory=set)
    provider_email: str = ""
    data: dict = field(default_factory=dict)
    # Writes title, body and data when asked: a scan finds tens of thousands of notices
    # that already exist, and needs only their keys.
    text: Callable[[], tuple[str, str, dict]] | None = None

    @property
    def roles(self) -> tuple[str, ...]:
        """The bureau roles told besides the owners."""
        return rules.roles_told(self.rule, self.level)

    def render(self) -> "Candidate":
        if self.text is not None:
            self.title, self.body, self.data = self.text()
            self.text = None
        return self


def site(path: str) -> str:
    """An absolute link for a notice (e-mails and robots are read outside the site)."""
    return settings.SITE_URL.rstrip("/") + path


def find(as_of: datetime.date, *, bureau_ids: list[int] | None = None) -> list[Candidate]:
    """Every notice that should exist on ``as_of`` (queries do not grow with installments)."""
    # Tens of thousands of small objects and closures: the cyclic garbage collector would
    # walk them over and over while they are being made (a third of the scan at scale).
    # None of them form cycles that outlive the scan.
    collecting = gc.isenabled()
    gc.disable()
    try:
        candidates = installment_candidates(as_of, bureau_ids)
        candidates += execution_candidates(as_of, bureau_ids)
    finally:
        if collecting:
            gc.enable()
    return candidates


# --- installments ----------------------------------------------------------------------------


@dataclass
class DueRow:
    """What the scan reads of an installment (plain values: tens of thousands of rows)."""

    pk: int
    bureau_id: int
    number: int
    status: str
    due_date: datetime.date
    documents_due: datetime.date | None
    approved_on: datetime.date | None
    payment_term_days: int | None
    delay_reason: str
    outstanding: object
    missing_documents: bool
    contract_number: str
    contract_title: str
    owner_id: int | None
    project_name: str
    provider_name: str
    provider_email: str

    @property
    def label(self) -> str:
        return installment_label(self.number)


DUE_ROW_FIELDS = {
    "pk": "pk",
    "bureau_id": "bureau_id",
    "number": "number",
    "status": "status",
    "due_date": "due_date",
    "documents_due": "documents_due",
    "approved_on": "approved_on",
    "payment_term_days": "contract__payment_term_days",
    "delay_reason": "delay_reason",
    "outstanding": "outstanding",
    "missing_documents": "missing_documents",
    "contract_number": "contract__number",
    "contract_title": "contract__title",
    "contract_owner": "contract__owner_id",
    "project_owner": "contract__award__project__owner_id",
    "project_name": "contract__award__project__name",
    "provider_name": "contract__award__provider__name",
    "provider_email": "contract__award__provider__email",
}


def due_rows(
    as_of: datetime.date,
    *,
    horizon: int,
    bureau_ids: list[int] | None = None,
    installment_ids: list[int] | None = None,
) -> list[DueRow]:
    """Installments that may call for a notice on ``as_of``: something still owed, and due
    within the horizon, or documents overdue, or approved.

    An installment now 已支付 owed nothing on ``as_of`` unless it was paid after that date,
    so only those are looked at among the paid ones; the amounts are computed for the rest.
    """
    missing_documents = RequiredDocument.objects.filter(installment=OuterRef("pk")).filter(
        Q(received_on__isnull=True) | Q(received_on__gt=as_of)
    )
    queryset = selectors.owing(Installment.objects.all(), as_of).filter(
        Q(due_date__lte=as_of + datetime.timedelta(days=horizon))
        | Q(documents_due__lt=as_of)
        | Q(approved_on__isnull=False)
    )
    if bureau_ids is not None:
        queryset = queryset.filter(bureau_id__in=bureau_ids)
    if installment_ids is not None:
        queryset = queryset.filter(pk__in=installment_ids)
    queryset = (
        selectors.with_outstanding(queryset, as_of)
        .annotate(missing_documents=Exists(missing_documents))
        .order_by("bureau_id", "due_date", "pk")
        .values_list(*DUE_ROW_FIELDS.values())
    )
    # The ORM writes the SQL; the rows are read straight from the cursor (PostgreSQL and
    # SQLite both hand back dates and, here, exact decimals), which is several times
    # faster than building a dict per row for tens of thousands of rows.
    sql, params = queryset.query.sql_with_params()
    names = list(DUE_ROW_FIELDS)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            # "Still owed" is checked here rather than in SQL, where the amounts'
            # subqueries would run a second time for the WHERE clause.
            outstanding = to_yuan(str(row["outstanding"]))
            if outstanding <= 0:
                continue
            row["outstanding"] = outstanding
            owner = row.pop("contract_owner") or row.pop("project_owner")
            row.pop("project_owner", None)
            row["owner_id"] = owner
            row["missing_documents"] = bool(row["missing_documents"])
            row["due_date"] = _date(row["due_date"])
            row["documents_due"] = _date(row["documents_due"])
            row["approved_on"] = _date(row["approved_on"])
            rows.append(DueRow(**row))
    return rows


def _date(value):
    """SQLite returns dates as text from a raw cursor."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def installment_candidates(as_of, bureau_ids, installment_ids=None) -> list[Candidate]:
    horizon = max([max(s.due_soon_days or [0]) for s in ReminderSettings.objects.all()] + [15])
    rows = due_rows(as_of, horizon=horizon, bureau_ids=bureau_ids, installment_ids=installment_ids)
    per_bureau = selectors.reminder_settings_for({r.bureau_id for r in rows})
    prefix = site(reverse("payments:installment-detail", args=[0]).removesuffix("0/"))
    candidates = []
    for row in rows:
        candidates += installment_notices(
            row, per_bureau[row.bureau_id], as_of, f"{prefix}{row.pk}/"
        )
    return candidates


def installment_notices(
    installment: DueRow, conf: ReminderSettings, as_of, url: str
) -> list[Candidate]:
    """The notices one installment calls for on ``as_of``."""
    owners = {installment.owner_id} if installment.owner_id else set()
    common = {"bureau_id": installment.bureau_id, "installment_id": installment.pk, "url": url}

    def data(**extra) -> dict:
        return {
            "installment_id": installment.pk,
            "contract": installment.contract_number,
            "project": installment.project_name,
            "provider": installment.provider_name,
            "installment": installment.label,
            "due_date": installment.due_date.isoformat(),
            "outstanding": f"{installment.outstanding:.2f}",
            "outstanding_wan": messages.wan(installment.outstanding),
            "url": url,
            "name": name(),
            **extra,
        }

    def name() -> str:
        return f"{installment.project_name} · {installment.contract_title} {installment.label}"

    found = []
    days_to_due = (installment.due_date - as_of).days

    threshold = rules.due_soon_threshold(days_to_due, conf.due_soon_days)
    if threshold is not None:
        found.append(
            Candidate(
                # The due date is part of the key: after the date moves, the
                # installment's notices start again.
                key=str(NoticeKey.due_soon(installment.pk, installment.due_date, threshold)),
                rule=R.DUE_SOON,
                owner_ids=owners,
                text=lambda: (
                    messages.title(R.DUE_SOON, name(), days_to_due),
                    messages.due_soon_body(installment),
                    data(days_to_due=days_to_due),
                ),
                **common,
            )
        )

    days_overdue = rules.documents_days_late(
        documents_due=installment.documents_due,
        as_of=as_of,
        missing=installment.missing_documents,
        status=installment.status,
    )
    if days_overdue is not None:
        found.append(
            Candidate(
                key=str(NoticeKey.documents_late(installment.pk, installment.documents_due)),
                rule=R.DOCUMENTS_LATE,
                owner_ids=owners,
                provider_email=installment.provider_email,
                text=lambda: (
                    messages.title(R.DOCUMENTS_LATE, name(), days_overdue),
                    messages.documents_late_body(installment),
                    data(
                        documents_due=installment.documents_due.isoformat(), days_late=days_overdue
                    ),
                ),
                **common,
            )
        )

    if days_to_due < 0:
        days_late = -days_to_due
        level = rules.late_level(
            days_late,
            level2_days=conf.escalate_level2_days,
            level3_days=conf.escalate_level3_days,
        )
        found.append(
            Candidate(
                key=str(NoticeKey.late(installment.pk, installment.due_date, level)),
                rule=R.LATE,
                level=level,
                urgent=level == 3,
                owner_ids=owners,
                text=lambda: (
                    messages.title(R.LATE, name(), days_late),
                    messages.late_body(installment),
                    data(days_late=days_late, level=level, delay_reason=installment.delay_reason),
                ),
                **common,
            )
        )

    term = rules.payment_term(installment.payment_term_days, conf.payment_deadline_days)
    waited = rules.days_unpaid_after_approval(
        status=installment.status, approved_on=installment.approved_on, as_of=as_of, term_days=term
    )
    if waited is not None:
        found.append(
            Candidate(
                key=str(NoticeKey.approved_unpaid(installment.pk, installment.approved_on)),
                rule=R.APPROVED_UNPAID,
                text=lambda: (
                    messages.title(R.APPROVED_UNPAID, name(), waited),
                    messages.approved_unpaid_body(installment, term_days=term),
                    data(approved_on=installment.approved_on.isoformat(), days_waited=waited),
                ),
                **common,
            )
        )
    return found


# --- execution -------------------------------------------------------------------------------


def execution_candidates(as_of, bureau_ids) -> list[Candidate]:
    """Behind time progress at the latest month end; a low projection from October."""
    month_end = rules.last_month_end(as_of)
    behind = selectors.execution_by_bureau(
        year=month_end.year, as_of=month_end, bureau_ids=bureau_ids
    )
    # On a month end both checks read the same figures: compute them once.
    projection = (
        behind
        if month_end == as_of
        else selectors.execution_by_bureau(year=as_of.year, as_of=as_of, bureau_ids=bureau_ids)
    )
    conf = selectors.reminder_settings_for(
        {row.key for row in behind} | {row.key for row in projection}
    )
    checkpoints = selectors.checkpoints_by_bureau(month_end.year, [row.key for row in behind])
    candidates = []
    for row in behind:
        if row.rate is None:
            continue
        target = selectors.time_progress_target(
            bureau=None,
            year=month_end.year,
            as_of=month_end,
            checkpoints=checkpoints.get(row.key, []),
        ).percent
        gap = row.rate - target
        if not rules.is_behind(gap, conf[row.key].tolerance_points):
            continue
        candidates.append(
            _execution_notice(
                NoticeKey.behind_target(row.key, month_end),
                day=month_end,
                title=messages.behind_target_title(year=month_end.year, gap=gap),
                body=messages.behind_target_body(day=month_end, rate=row.rate, target=target),
                data={"as_of": month_end.isoformat(), "rate": str(row.rate), "target": str(target)},
            )
        )
    for row in projection:
        settings_row = conf[row.key]
        if not rules.projection_low(
            month=as_of.month,
            from_month=settings_row.projection_from_month,
            projected_rate=row.projected_rate,
            target=settings_row.year_end_target,
        ):
            continue
        candidates.append(
            _execution_notice(
                NoticeKey.projection_low(row.key, as_of),
                day=as_of,
                title=messages.projection_low_title(
                    year=as_of.year,
                    projected=row.projected_rate,
                    target=settings_row.year_end_target,
                ),
                body=messages.projection_low_body(
                    paid=row.paid, scheduled=row.scheduled, late=row.late, issued=row.issued
                ),
                data={
                    "projected_rate": str(row.projected_rate),
                    "target": str(settings_row.year_end_target),
                },
            )
        )
    return candidates


def _execution_notice(key: NoticeKey, *, day, title: str, body: str, data: dict) -> Candidate:
    """A bureau's execution notice, linking to its dashboard on ``day``."""
    url = site(f"{reverse('payments:dashboard')}?year={day.year}&as_of={day.isoformat()}")
    return Candidate(
        key=str(key),
        bureau_id=key.subject,
        rule=key.rule,
        title=title,
        body=body,
        url=url,
        data={"year": day.year, **data, "url": url},
    )


# --- who is told -----------------------------------------------------------------------------


def recipients_of(candidates: list[Candidate]) -> dict[int, set[int]]:
    """User ids per candidate (by position): the owners plus the bureau's role holders."""
    bureau_ids = {c.bureau_id for c in candidates}
    by_role: dict[tuple[int, str], set[int]] = {}
    for user_id, bureau_id, role in (
        User.objects.filter(
            bureau_id__in=bureau_ids, is_active=True, groups__name__in=[Role.FINANCE, Role.MANAGER]
        )
        .order_by()
        .values_list("pk", "bureau_id", "groups__name")
    ):
        by_role.setdefault((bureau_id, role), set()).add(user_id)
    return {
        index: set(c.owner_ids).union(*(by_role.get((c.bureau_id, str(r)), set()) for r in c.roles))
        for index, c in enumerate(candidates)
    }

"""Reminders: find what threatens the execution rate and tell the right people, once.

The scan (:func:`find`) works out, for a date, every notice that should exist now, in a
bounded number of queries over all bureaus. :func:`run` then creates the missing ones
(each has a unique key: rule, object, level, period), resolves those whose cause is
gone, and delivers what is due in working hours as an in-app notification per person.
The e-mails and the bureau's group robot are sent by :func:`dispatch`, one notice at a
time, in the task ``deliver_notice`` the scan queues after its commit: a slow mail
server or a dead robot holds up one notice's task, never the scan. Running it twice, a
Celery retry or two beat ticks at once send nothing twice: notices and notifications are
unique in the database, and each notice's messages are claimed in the database (a
conditional UPDATE) before they are sent.

Rules (thresholds per bureau, :class:`payments.models.ReminderSettings`):
- due soon: an installment falls due within 15, 7 or 3 days → owner and finance;
- documents late: past the documents deadline, documents missing → owner, and the
  provider's contact by e-mail;
- late: past due and unpaid; level 1 at once → owner and finance, level 2 after 15 days
  → also manager, level 3 after 30 days → urgent, top of the manager's dashboard;
- approved but unpaid past the payment deadline (the contract's term, else the bureau's
  30 days) → finance and manager;
- execution behind the time-progress target by more than the tolerance at the latest
  month end → finance and manager;
- from October, projected year-end rate below the target (95%) → finance and manager.
"""

import datetime
import functools
import gc
import json
import logging
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.cache import records_changed
from accounts.models import User
from accounts.roles import Role
from contracts.money import to_wan, to_yuan
from payments import selectors
from payments.models import (
    Installment,
    Notice,
    Notification,
    ProgressCheckpoint,
    ReminderSettings,
    RequiredDocument,
    installment_label,
)

logger = logging.getLogger(__name__)
R = Notice.Rule
BATCH = 500
# A robot that does not answer holds up one notice's delivery task for this long at most.
ROBOT_TIMEOUT = 5
# A delivered notice whose messages are still unclaimed this long after lost its task (a
# broker restart, a worker killed before it claimed them): the next scan queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)


@dataclass
class Candidate:
    """A notice that should exist on the scan date."""

    key: str
    bureau_id: int
    rule: str
    url: str
    title: str = ""
    body: str = ""
    level: int = 1
    urgent: bool = False
    installment_id: int | None = None
    owner_ids: set[int] = field(default_factory=set)
    roles: tuple[str, ...] = ()
    provider_email: str = ""
    data: dict = field(default_factory=dict)
    # Writes title, body and data when asked: a scan finds tens of thousands of notices
    # that already exist, and needs only their keys.
    text: Callable[[], tuple[str, str, dict]] | None = None

    def render(self) -> "Candidate":
        if self.text is not None:
            self.title, self.body, self.data = self.text()
            self.text = None
        return self


@dataclass
class Outcome:
    """What a run found and did (printed by ``run_reminders``)."""

    created: list[Notice] = field(default_factory=list)
    resolved: list[Notice] = field(default_factory=list)
    reopened: list[Notice] = field(default_factory=list)
    # In-app delivery in this run: new notices, and earlier ones that waited for working
    # hours (or, in a dry run, the earlier ones that would go out now).
    delivered: list[Notice] = field(default_factory=list)
    # Notices whose e-mail and robot messages were queued (or sent, when sent inline).
    dispatched: list[int] = field(default_factory=list)
    notifications: int = 0
    emails: int = 0
    webhooks: int = 0
    candidates: list[Candidate] = field(default_factory=list)
    recipients: dict[int, str] = field(default_factory=dict)


def settings_for(bureau_ids) -> dict[int, ReminderSettings]:
    """Each bureau's settings; bureaus without a row get the defaults (unsaved)."""
    found = {s.bureau_id: s for s in ReminderSettings.objects.filter(bureau_id__in=bureau_ids)}
    return {pk: found.get(pk) or ReminderSettings(bureau_id=pk) for pk in bureau_ids}


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- the scan ------------------------------------------------------------------------------


def find(as_of: datetime.date, *, bureau_ids: list[int] | None = None) -> list[Candidate]:
    """Every notice that should exist on ``as_of`` (queries do not grow with installments)."""
    # Tens of thousands of small objects and closures: the cyclic garbage collector would
    # walk them over and over while they are being made (a third of the scan at scale).
    # None of them form cycles that outlive the scan.
    collecting = gc.isenabled()
    gc.disable()
    try:
        candidates = _installment_candidates(as_of, bureau_ids)
        candidates += _execution_candidates(as_of, bureau_ids)
    finally:
        if collecting:
            gc.enable()
    return candidates


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


def _installment_candidates(as_of, bureau_ids, installment_ids=None) -> list[Candidate]:
    horizon = max([max(s.due_soon_days or [0]) for s in ReminderSettings.objects.all()] + [15])
    rows = due_rows(as_of, horizon=horizon, bureau_ids=bureau_ids, installment_ids=installment_ids)
    per_bureau = settings_for({r.bureau_id for r in rows})
    prefix = _site(reverse("payments:installment-detail", args=[0]).removesuffix("0/"))
    candidates = []
    for row in rows:
        candidates += _rules_for(row, per_bureau[row.bureau_id], as_of, f"{prefix}{row.pk}/")
    return candidates


def title(rule: str, name: str, days: int) -> str:
    """An installment notice's title: what is wrong with it, and for how many days."""
    values = {"name": name, "days": days}
    if rule == R.DUE_SOON:
        return (
            _("%(name)s 今天到期") % values
            if days == 0
            else _("%(name)s %(days)s 天后到期") % values
        )
    if rule == R.DOCUMENTS_LATE:
        return _("%(name)s 付款资料逾期 %(days)s 天未交") % values
    if rule == R.LATE:
        return _("%(name)s 已逾期 %(days)s 天未付") % values
    return _("%(name)s 审批后 %(days)s 天仍未付款") % values


# The date each installment rule counts its days from, and which way (days to, days since).
COUNTED_FROM = {
    R.DUE_SOON: ("due_date", -1),
    R.DOCUMENTS_LATE: ("documents_due", 1),
    R.LATE: ("due_date", 1),
    R.APPROVED_UNPAID: ("approved_on", 1),
}


def live_title(notice: Notice, today: datetime.date) -> str:
    """An open notice's title with its days counted to ``today``.

    The stored title keeps the day the notice was found ("逾期 20 天" stays 20 while the
    notice stays open); the notification centre shows this one instead.
    """
    counted = COUNTED_FROM.get(notice.rule)
    data = notice.data or {}
    if notice.resolved_at or counted is None or not data.get("name"):
        return notice.title
    field_name, direction = counted
    if not data.get(field_name):
        return notice.title
    days = direction * (today - datetime.date.fromisoformat(data[field_name])).days
    if days < 0:  # the next scan has not caught up with the date yet
        return notice.title
    return title(notice.rule, data["name"], days)


def _rules_for(installment: DueRow, conf: ReminderSettings, as_of, url: str) -> list[Candidate]:
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
            "outstanding_wan": f"{to_wan(installment.outstanding):.2f}",
            "url": url,
            "name": name(),
            **extra,
        }

    def name() -> str:
        return f"{installment.project_name} · {installment.contract_title} {installment.label}"

    def amount() -> str:
        return f"{to_wan(installment.outstanding):.2f}"

    found = []
    days_to_due = (installment.due_date - as_of).days

    if days_to_due >= 0:
        # Only the nearest threshold: a scan that starts late sends one notice, not three.
        # On the due date itself the last (smallest) threshold's notice stays in force.
        thresholds = sorted(d for d in (conf.due_soon_days or []) if d >= days_to_due)
        if thresholds:
            found.append(
                Candidate(
                    # The due date is part of the key: after the date moves, the
                    # installment's notices start again.
                    key=f"due_soon:{installment.pk}:{installment.due_date}:{thresholds[0]}",
                    rule=R.DUE_SOON,
                    owner_ids=owners,
                    roles=(Role.FINANCE,),
                    text=lambda: (
                        title(R.DUE_SOON, name(), days_to_due),
                        _("应付日期 %(due)s，尚未支付 %(amount)s 万元，请做好付款准备。")
                        % {"due": installment.due_date, "amount": amount()},
                        data(days_to_due=days_to_due),
                    ),
                    **common,
                )
            )

    if (
        installment.documents_due
        and installment.documents_due < as_of
        and installment.missing_documents
        and installment.status
        in (Installment.Status.PLANNED, Installment.Status.AWAITING_DOCUMENTS)
    ):
        days_overdue = (as_of - installment.documents_due).days
        found.append(
            Candidate(
                key=f"documents_late:{installment.pk}:{installment.documents_due.isoformat()}",
                rule=R.DOCUMENTS_LATE,
                owner_ids=owners,
                provider_email=installment.provider_email,
                text=lambda: (
                    title(R.DOCUMENTS_LATE, name(), days_overdue),
                    _(
                        "资料提交期限 %(deadline)s，%(provider)s 尚未交齐付款资料；应付日期 %(due)s。"
                    )
                    % {
                        "deadline": installment.documents_due,
                        "provider": installment.provider_name,
                        "due": installment.due_date,
                    },
                    data(
                        documents_due=installment.documents_due.isoformat(), days_late=days_overdue
                    ),
                ),
                **common,
            )
        )

    if days_to_due < 0:
        days_late = -days_to_due
        level = (
            3
            if days_late >= conf.escalate_level3_days
            else 2
            if days_late >= conf.escalate_level2_days
            else 1
        )
        found.append(
            Candidate(
                key=f"late:{installment.pk}:{installment.due_date}:L{level}",
                rule=R.LATE,
                level=level,
                urgent=level == 3,
                owner_ids=owners,
                roles=(Role.FINANCE,) if level == 1 else (Role.FINANCE, Role.MANAGER),
                text=lambda: (
                    title(R.LATE, name(), days_late),
                    _("应付日期 %(due)s，尚未支付 %(amount)s 万元，延迟原因：%(reason)s。")
                    % {
                        "due": installment.due_date,
                        "amount": amount(),
                        "reason": installment.delay_reason or _("未填写"),
                    },
                    data(days_late=days_late, level=level, delay_reason=installment.delay_reason),
                ),
                **common,
            )
        )

    if (
        installment.status == Installment.Status.APPROVED
        and installment.approved_on
        and installment.approved_on <= as_of
    ):
        waited = (as_of - installment.approved_on).days
        limit = installment.payment_term_days or conf.payment_deadline_days
        if waited > limit:
            found.append(
                Candidate(
                    key=f"approved_unpaid:{installment.pk}:{installment.approved_on.isoformat()}",
                    rule=R.APPROVED_UNPAID,
                    roles=(Role.FINANCE, Role.MANAGER),
                    text=lambda: (
                        title(R.APPROVED_UNPAID, name(), waited),
                        _(
                            "%(approved)s 审批通过，超过 %(limit)s 天付款期限，尚未支付 %(amount)s 万元。"
                        )
                        % {
                            "approved": installment.approved_on,
                            "limit": limit,
                            "amount": amount(),
                        },
                        data(approved_on=installment.approved_on.isoformat(), days_waited=waited),
                    ),
                    **common,
                )
            )
    return found


def _last_month_end(as_of: datetime.date) -> datetime.date:
    """The latest month end on or before ``as_of``."""
    tomorrow = as_of + datetime.timedelta(days=1)
    if tomorrow.day == 1:
        return as_of
    return as_of.replace(day=1) - datetime.timedelta(days=1)


def _execution_candidates(as_of, bureau_ids) -> list[Candidate]:
    """Behind time progress at the latest month end; a low projection from October."""
    month_end = _last_month_end(as_of)
    behind = selectors.execution_by_bureau(
        year=month_end.year, as_of=month_end, bureau_ids=bureau_ids
    )
    # On a month end both checks read the same figures: compute them once.
    projection = (
        behind
        if month_end == as_of
        else selectors.execution_by_bureau(year=as_of.year, as_of=as_of, bureau_ids=bureau_ids)
    )
    conf = settings_for({row.key for row in behind} | {row.key for row in projection})
    checkpoints = _checkpoints_by_bureau(month_end.year, [row.key for row in behind])
    dashboard = reverse("payments:dashboard")
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
        if gap >= -conf[row.key].tolerance_points:
            continue
        url = _site(f"{dashboard}?year={month_end.year}&as_of={month_end.isoformat()}")
        candidates.append(
            Candidate(
                key=f"behind_target:{row.key}:{month_end:%Y-%m}",
                bureau_id=row.key,
                rule=R.BEHIND_TARGET,
                title=_("%(year)s 年预算执行率落后序时进度 %(gap)s 个百分点")
                % {"year": month_end.year, "gap": f"{-gap:.2f}"},
                body=_("截至 %(day)s，预算执行率 %(rate)s%%，序时进度 %(target)s%%。")
                % {"day": month_end, "rate": row.rate, "target": target},
                url=url,
                roles=(Role.FINANCE, Role.MANAGER),
                data={
                    "year": month_end.year,
                    "as_of": month_end.isoformat(),
                    "rate": str(row.rate),
                    "target": str(target),
                    "url": url,
                },
            )
        )
    for row in projection:
        settings_row = conf[row.key]
        if (
            as_of.month < settings_row.projection_from_month
            or row.projected_rate is None
            or row.projected_rate >= settings_row.year_end_target
        ):
            continue
        url = _site(f"{dashboard}?year={as_of.year}&as_of={as_of.isoformat()}")
        candidates.append(
            Candidate(
                key=f"projection_low:{row.key}:{as_of:%Y-%m}",
                bureau_id=row.key,
                rule=R.PROJECTION_LOW,
                title=_("%(year)s 年预计年末执行率 %(projected)s%%，低于目标 %(target)s%%")
                % {
                    "year": as_of.year,
                    "projected": row.projected_rate,
                    "target": f"{settings_row.year_end_target:.2f}",
                },
                body=_(
                    "已支付 %(paid)s 万元，年内尚待支付且未逾期 %(scheduled)s 万元，"
                    "逾期未付 %(late)s 万元，实际下达预算 %(issued)s 万元。"
                )
                % {
                    "paid": to_wan(row.paid),
                    "scheduled": to_wan(row.scheduled),
                    "late": to_wan(row.late),
                    "issued": to_wan(row.issued),
                },
                url=url,
                roles=(Role.FINANCE, Role.MANAGER),
                data={
                    "year": as_of.year,
                    "projected_rate": str(row.projected_rate),
                    "target": str(settings_row.year_end_target),
                    "url": url,
                },
            )
        )
    return candidates


def _checkpoints_by_bureau(year, bureau_ids) -> dict[int, list[ProgressCheckpoint]]:
    grouped: dict[int, list[ProgressCheckpoint]] = {}
    for checkpoint in ProgressCheckpoint.objects.filter(
        bureau_id__in=bureau_ids, year=year
    ).order_by("month"):
        grouped.setdefault(checkpoint.bureau_id, []).append(checkpoint)
    return grouped


def _recipients(candidates: list[Candidate]) -> dict[int, set[int]]:
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


# --- working hours --------------------------------------------------------------------------


def deliver_after(now: datetime.datetime, conf: ReminderSettings) -> datetime.datetime:
    """``now`` if it falls in the bureau's working hours, else the next working-hours start."""
    local = timezone.localtime(now)
    day = local.date()
    for offset in range(0, 15):
        candidate_day = day + datetime.timedelta(days=offset)
        if candidate_day.isoweekday() not in conf.working_days:
            continue
        start = timezone.make_aware(datetime.datetime.combine(candidate_day, conf.work_start))
        end = timezone.make_aware(datetime.datetime.combine(candidate_day, conf.work_end))
        if offset == 0 and start <= local < end:
            return now
        if local < start:
            return start
    return now


def in_working_hours(now: datetime.datetime, conf: ReminderSettings) -> bool:
    return deliver_after(now, conf) == now


# --- the run ---------------------------------------------------------------------------------

QUEUE, INLINE = "queue", "inline"


def run(
    *,
    now: datetime.datetime | None = None,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    bureau_ids: list[int] | None = None,
    send: str = QUEUE,
) -> Outcome:
    """Scan, create what is new, resolve what is over, deliver what is due.

    ``send`` says how the e-mails and robot messages of the delivered notices go out:
    ``"queue"`` (the periodic task) queues a ``deliver_notice`` task per notice after the
    commit; ``"inline"`` (``run_reminders`` by hand, which prints what it sent) sends
    them here, one notice after another.
    """
    # The wall-clock time the records were read at (``now`` can be back-dated by hand).
    started = timezone.now()
    now = now or started
    as_of = as_of or timezone.localdate(now)
    candidates = find(as_of, bureau_ids=bureau_ids)
    outcome = Outcome(candidates=candidates)
    recipients = _recipients(candidates)
    keys = {c.key for c in candidates}
    existing = dict(Notice.objects.filter(key__in=keys).values_list("key", "resolved_at"))
    new = [(i, c) for i, c in enumerate(candidates) if c.key not in existing]
    # A cause that came back (a payment reversed, a document found missing again) reopens
    # its notice: it shows again as unread; e-mail and robot are not sent a second time.
    # Only a notice resolved before the records were read: one resolved since (a payment
    # posted while the scan ran resolves its notices at once) was resolved by news this
    # scan has not seen.
    reopen = [
        key
        for key, resolved_at in existing.items()
        if resolved_at is not None and resolved_at < started
    ]
    open_notices = Notice.objects.filter(resolved_at__isnull=True)
    if bureau_ids is not None:
        open_notices = open_notices.filter(bureau_id__in=bureau_ids)
    stale = [notice for notice in open_notices if notice.key not in keys]
    _explain(stale, keys)
    conf = settings_for({c.bureau_id for _, c in new})
    to_create = [_notice(c, recipients[i], now, conf[c.bureau_id]) for i, c in new]
    if dry_run:
        outcome.created = to_create
        outcome.resolved = stale
        outcome.reopened = list(Notice.objects.filter(key__in=reopen))
        # Earlier notices that waited for working hours and would go out now.
        outcome.delivered = list(
            _due_for_delivery(now).exclude(key__in=[n.key for n in stale]).order_by("pk")
        )
        people = set().union(
            *recipients.values(), *(n.data.get("recipients", []) for n in outcome.delivered)
        )
        outcome.recipients = (
            dict(User.objects.filter(pk__in=people).values_list("pk", "username")) if people else {}
        )
        return outcome

    with transaction.atomic():
        Notice.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=BATCH)
        outcome.created = list(
            Notice.objects.filter(key__in=[n.key for n in to_create], created_at=now)
        )
        _resolve(stale, now)
        outcome.resolved = stale
        if reopen:
            # A notice comes back with what is true now (amounts, days late), not with
            # the text of the first time.
            by_key = {c.key: c for c in candidates}
            outcome.reopened = list(
                Notice.objects.select_for_update().filter(key__in=reopen, resolved_at__lt=started)
            )
            reopen = [notice.key for notice in outcome.reopened]
            for notice in outcome.reopened:
                candidate = by_key[notice.key].render()
                notice.title, notice.body = candidate.title, candidate.body
                notice.data = {
                    **candidate.data,
                    "recipients": notice.data.get("recipients", []),
                    "provider_email": candidate.provider_email,
                }
                notice.resolved_at, notice.resolution = None, ""
            Notice.objects.bulk_update(
                outcome.reopened,
                ["title", "body", "data", "resolved_at", "resolution"],
                batch_size=BATCH,
            )
            Notification.objects.filter(notice__key__in=reopen).update(read_at=None)
            _touched(outcome.reopened)
        # Urgent notices show on the dashboards of their bureaus.
        records_changed(*{n.bureau_id for n in outcome.created if n.urgent})

    deliver(now=now, outcome=outcome, send=send)
    return outcome


def _touched(notices: list[Notice]) -> None:
    """These notices were resolved or reopened: recount their inboxes and dashboards."""
    if not notices:
        return
    inbox_changed(
        *Notification.objects.filter(notice_id__in=[n.pk for n in notices]).values_list(
            "recipient_id", flat=True
        )
    )
    records_changed(*{n.bureau_id for n in notices if n.urgent})


def _resolve(notices: list[Notice], now: datetime.datetime) -> None:
    """Resolve these notices (their ``resolution`` set by :func:`_explain`), once."""
    by_resolution: dict[str, list[int]] = {}
    for notice in notices:
        by_resolution.setdefault(notice.resolution, []).append(notice.pk)
    for resolution, pks in by_resolution.items():
        Notice.objects.filter(pk__in=pks, resolved_at__isnull=True).update(
            resolved_at=now, resolution=resolution
        )
    for notice in notices:
        notice.resolved_at = notice.resolved_at or now
    _touched(notices)


def _explain(stale: list[Notice], current_keys: set[str]) -> None:
    """Set each stale notice's ``resolution``: why it no longer applies."""
    installment_ids = {n.installment_id for n in stale if n.installment_id}
    current = (
        {
            row[0]: row
            for row in Installment.objects.filter(pk__in=installment_ids).values_list(
                "pk", "status", "due_date", "documents_due", "approved_on"
            )
        }
        if installment_ids
        else {}
    )
    prefixes = {key.rsplit(":", 1)[0] for key in current_keys}
    for notice in stale:
        notice.resolution = _resolution(notice, current_keys, prefixes, current)


def _resolution(notice: Notice, current_keys, prefixes, current) -> str:
    """Why a notice no longer applies. A deadline that moved is told apart from a cause
    that was fixed: the installment is not paid, nor are the documents in."""
    S = Installment.Status
    parts = notice.key.split(":")
    row = current.get(notice.installment_id)
    status, due_date, documents_due, approved_on = row[1:] if row else (None,) * 4
    if status == S.CANCELLED:
        return _("已取消")
    if status == S.PAID:
        return _("已付清")
    if notice.rule in (R.DUE_SOON, R.LATE) and len(parts) == 4:
        if due_date is not None and str(due_date) != parts[2]:
            return _("付款期限已调整")
        if notice.key.rsplit(":", 1)[0] in prefixes:
            return _("已升级或进入新周期")
        if notice.rule == R.DUE_SOON and f"late:{parts[1]}:{parts[2]}:L1" in current_keys:
            return _("已到期未付，转为逾期提醒")
        return _("已不再适用")
    if notice.rule == R.DOCUMENTS_LATE:
        if documents_due is not None and str(documents_due) != parts[-1]:
            return _("资料提交期限已调整")
        return _("资料已收齐")
    if notice.rule == R.APPROVED_UNPAID:
        if status != S.APPROVED:
            return _("已不在已审批状态")
        if approved_on is not None and str(approved_on) != parts[-1]:
            return _("已重新审批")
        return _("付款期限已调整")
    if notice.key.rsplit(":", 1)[0] in prefixes:
        return _("已升级或进入新周期")
    return _("已不再适用")


def _notice(candidate: Candidate, recipient_ids: set[int], now, conf) -> Notice:
    candidate.render()
    return Notice(
        bureau_id=candidate.bureau_id,
        key=candidate.key,
        rule=candidate.rule,
        level=candidate.level,
        urgent=candidate.urgent,
        installment_id=candidate.installment_id,
        title=candidate.title,
        body=candidate.body,
        url=candidate.url,
        data={
            **candidate.data,
            "recipients": sorted(recipient_ids),
            "provider_email": candidate.provider_email,
        },
        created_at=now,
        deliver_after=deliver_after(now, conf),
    )


def resolve_for_installment(installment_id: int) -> list[Notice]:
    """Resolve at once the installment's open notices whose cause is gone (a payment
    posted, the documents received), instead of at the next hourly scan.

    Only what no longer applies at all is resolved here; a notice that moves to another
    level or period is left to the scan, which creates its successor in the same step.
    """
    candidates = _installment_candidates(timezone.localdate(), None, [installment_id])
    keys = {c.key for c in candidates}
    # Due soon turns into late: while either applies, the scan hands over between them.
    families = {R.DUE_SOON: R.LATE, R.LATE: R.DUE_SOON}
    applies = {c.rule for c in candidates}
    applies |= {families[r] for r in applies if r in families}
    now = timezone.now()
    with transaction.atomic():
        notices = list(
            Notice.objects.select_for_update()
            .filter(installment_id=installment_id, resolved_at__isnull=True)
            .exclude(rule__in=applies)
            .order_by("pk")
        )
        _explain(notices, keys)
        _resolve(notices, now)
    return notices


def resolve_after_commit(installment_id: int) -> None:
    """After the current transaction commits, resolve the installment's notices whose
    cause is gone (a task), when it has open ones.

    A broker that cannot be reached is logged, not raised: the payment or the documents
    stand, and the next hourly scan resolves the notice instead.
    """
    if not Notice.objects.filter(installment_id=installment_id, resolved_at__isnull=True).exists():
        return
    from payments.tasks import resolve_installment_notices

    transaction.on_commit(
        functools.partial(resolve_installment_notices.delay, installment_id), robust=True
    )


# --- delivery ------------------------------------------------------------------------------


def _due_for_delivery(now: datetime.datetime):
    return Notice.objects.filter(
        delivered_at__isnull=True, resolved_at__isnull=True, deliver_after__lte=now
    )


def deliver(
    *, now: datetime.datetime, outcome: Outcome | None = None, send: str = QUEUE
) -> Outcome:
    """Deliver the notices that are due: each person's in-app notification here, once;
    the e-mail and robot messages by :func:`dispatch` (queued, or inline).

    A batch of due notices is locked (a concurrent scan skips it), its notifications are
    created and the notices marked delivered in one transaction; their messages are queued
    after the commit. Delivered notices whose messages were never claimed (their task was
    lost) are queued again after :data:`REQUEUE_AFTER`, in working hours.
    """
    outcome = outcome or Outcome()
    while True:
        with transaction.atomic():
            batch = list(
                _due_for_delivery(now).select_for_update(skip_locked=True).order_by("pk")[:BATCH]
            )
            if not batch:
                break
            notifications = [
                Notification(notice=notice, recipient_id=user_id, created_at=now)
                for notice in batch
                for user_id in notice.data.get("recipients", [])
            ]
            Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=BATCH)
            inbox_changed(*{n.recipient_id for n in notifications})
            Notice.objects.filter(pk__in=[n.pk for n in batch]).update(delivered_at=now)
            ids = [n.pk for n in batch]
            if send == QUEUE:
                transaction.on_commit(functools.partial(_enqueue, ids), robust=True)
        for notice in batch:
            notice.delivered_at = now
        outcome.delivered += batch
        outcome.notifications += len(notifications)
        outcome.dispatched += ids

    # Messages that lost their task; by hand, everything still unsent.
    waiting = Notice.objects.filter(
        delivered_at__isnull=False, dispatched_at__isnull=True, resolved_at__isnull=True
    ).order_by("pk")
    if send != INLINE:
        waiting = waiting.filter(delivered_at__lte=now - REQUEUE_AFTER)[:BATCH]
    waiting = list(waiting.values_list("pk", "bureau_id"))
    conf = settings_for({bureau_id for _pk, bureau_id in waiting})
    just = set(outcome.dispatched)
    again = [
        pk for pk, bureau_id in waiting if pk not in just and in_working_hours(now, conf[bureau_id])
    ]
    outcome.dispatched += again
    if send == QUEUE and again:
        transaction.on_commit(functools.partial(_enqueue, again), robust=True)
    elif send == INLINE:
        for notice_id in outcome.dispatched:
            sent = dispatch(notice_id, now=now)
            outcome.emails += sent.emails
            outcome.webhooks += sent.webhooks
    return outcome


def _enqueue(notice_ids: list[int]) -> None:
    from payments.tasks import deliver_notice

    for notice_id in notice_ids:
        deliver_notice.delay(notice_id)


@dataclass
class Sent:
    """What :func:`dispatch` sent for one notice."""

    emails: int = 0
    webhooks: int = 0


def dispatch(notice_id: int, *, now: datetime.datetime | None = None) -> Sent:
    """Send one delivered notice's e-mails and group-robot message, at most once.

    The notice is claimed first: a conditional UPDATE sets its ``dispatched_at`` only where
    it is still empty, in the transaction that marks each e-mail sent; the messages go out
    after the commit. A redelivered task, a second worker or a re-queue by the next scan
    find the claim and send nothing; a crash after the commit loses the messages rather
    than sending them twice. Outside the bureau's working hours nothing is claimed: the
    next scan in working hours queues the notice again.
    """
    now = now or timezone.now()
    notice = Notice.objects.filter(
        pk=notice_id,
        delivered_at__isnull=False,
        dispatched_at__isnull=True,
        resolved_at__isnull=True,
    ).first()
    if notice is None:
        return Sent()
    conf = settings_for([notice.bureau_id])[notice.bureau_id]
    if notice.deliver_after > now or not in_working_hours(now, conf):
        return Sent()
    provider = (
        provider_message(notice, on=timezone.localdate(now))
        if conf.email_enabled and notice.rule == R.DOCUMENTS_LATE
        else None
    )
    with transaction.atomic():
        claimed = Notice.objects.filter(
            pk=notice.pk, dispatched_at__isnull=True, resolved_at__isnull=True
        ).update(
            dispatched_at=now,
            provider_emailed_at=now if provider else None,
            webhook_sent_at=now if conf.webhook_url else None,
        )
        if not claimed:
            return Sent()
        messages = []
        if conf.email_enabled:
            unsent = list(
                Notification.objects.filter(notice=notice, emailed_at__isnull=True)
                .exclude(recipient__email="")
                .order_by("recipient_id")
                .values_list("pk", "recipient__email")
            )
            Notification.objects.filter(pk__in=[pk for pk, _address in unsent]).update(
                emailed_at=now
            )
            messages = [_email(notice, [address]) for _pk, address in unsent]
        if provider:
            messages.append(provider)
    if settings.REMINDER_DELIVERY_PAUSE:  # lets a test kill a worker between claim and send
        time.sleep(settings.REMINDER_DELIVERY_PAUSE)
    sent = Sent()
    if messages:
        try:
            with get_connection() as connection:
                sent.emails = connection.send_messages(messages) or 0
        except OSError as exc:  # smtplib's errors included
            # At most once: these e-mails are lost; the in-app notifications stand.
            logger.warning("e-mail for notice %s failed: %s", notice.pk, exc)
    if conf.webhook_url:
        sent.webhooks = _post_webhook(conf.webhook_url, notice)
    return sent


def _email(notice: Notice, to: list[str]) -> EmailMessage:
    body = f"{notice.body}\n\n{notice.url}\n"
    return EmailMessage(subject=f"[{_('社工服务项目管理')}] {notice.title}", body=body, to=to)


def provider_message(notice: Notice, *, on: datetime.date) -> EmailMessage | None:
    """The e-mail the provider's contact gets for late documents: which installment,
    which documents are missing, whom to ask at the bureau. It has no link: the
    provider cannot reach the bureau's intranet."""
    installment = (
        Installment.objects.select_related(
            "bureau",
            "contract__owner",
            "contract__award__project__owner",
            "contract__award__provider",
        )
        .filter(pk=notice.installment_id)
        .first()
    )
    if installment is None:
        return None
    contract = installment.contract
    provider = contract.award.provider
    missing = [
        document.title
        for document in installment.documents.all()
        if document.received_on is None or document.received_on > on
    ]
    if not provider.email or not missing:
        return None
    bureau = installment.bureau.name
    owner = contract.owner or contract.award.project.owner
    if owner is not None:
        contact = [_("%(name)s（%(bureau)s）") % {"name": owner, "bureau": bureau}]
        if owner.phone:
            contact.append(_("电话 %(phone)s") % {"phone": owner.phone})
        if owner.email:
            contact.append(_("邮箱 %(email)s") % {"email": owner.email})
        ask = _("如有疑问，请联系：%(contact)s。") % {"contact": "，".join(contact)}
    else:
        ask = _("如有疑问，请联系%(bureau)s。") % {"bureau": bureau}
    greeting = (
        f"{provider.name} {provider.contact_person}" if provider.contact_person else provider.name
    )
    lines = [
        _("%(provider)s：") % {"provider": greeting},
        "",
        _(
            "贵机构承接的%(project)s（%(contract)s，合同编号 %(number)s）%(installment)s"
            "的付款资料应于 %(deadline)s 前提交，截至 %(today)s 尚未收到以下资料："
        )
        % {
            "project": contract.award.project.name,
            "contract": contract.title,
            "number": contract.number,
            "installment": installment.label,
            "deadline": installment.documents_due,
            "today": on,
        },
        *[f"  - {name}" for name in missing],
        "",
        _("本期款应付日期为 %(due)s，资料交齐并审核通过后方可付款，请尽快提交。")
        % {"due": installment.due_date},
        ask,
        "",
        bureau,
    ]
    return EmailMessage(
        subject=_("【%(bureau)s】请尽快提交%(project)s%(installment)s付款资料")
        % {
            "bureau": bureau,
            "project": contract.award.project.name,
            "installment": installment.label,
        },
        body="\n".join(lines) + "\n",
        to=[provider.email],
    )


def webhook_payload(notice: Notice) -> dict:
    """The JSON a WeCom/DingTalk-style group robot receives (markdown message)."""
    data = notice.data
    lines = [f"**{notice.title}**", notice.body]
    if data.get("installment"):
        lines.append(
            _("分期款：%(project)s · %(contract)s %(installment)s，未付 %(amount)s 万元")
            % {
                "project": data.get("project"),
                "contract": data.get("contract"),
                "installment": data.get("installment"),
                "amount": data.get("outstanding_wan"),
            }
        )
    if data.get("days_late") is not None:
        lines.append(_("逾期天数：%(days)s") % {"days": data["days_late"]})
    lines.append(f"[{_('查看详情')}]({notice.url})")
    content = "\n\n".join(lines)
    return {
        "msgtype": "markdown",
        "markdown": {"title": notice.title, "content": content, "text": content},
        "notice": {
            "rule": notice.rule,
            "level": notice.level,
            "urgent": notice.urgent,
            "title": notice.title,
            "url": notice.url,
            **{k: v for k, v in data.items() if k not in ("recipients", "provider_email")},
        },
    }


def _post_webhook(url: str, notice: Notice) -> int:
    body = json.dumps(webhook_payload(notice), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=ROBOT_TIMEOUT) as response:  # noqa: S310 - set by the admin
            response.read()
    except OSError as exc:
        # At most once: a robot that is down misses this message; the in-app notification
        # and the e-mail still stand.
        logger.warning("group robot %s failed for notice %s: %s", url, notice.pk, exc)
        return 0
    return 1


def inbox_key(user_id: int) -> str:
    """Where the version of the user's notifications is kept (a token moved by every change)."""
    return f"inbox-version:{user_id}"


def inbox_changed(*user_ids: int) -> None:
    """Someone's notifications were added, read, resolved or reopened: recount them.

    The versions move now, so the writer's own next read is fresh, and again after the
    commit, so that a count read from the uncommitted state is never read again.
    """
    from django.core.cache import cache

    keys = [inbox_key(u) for u in user_ids]

    def bump():
        cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), None)

    bump()
    transaction.on_commit(bump)


def inbox_version(user_id: int) -> str:
    from django.core.cache import cache

    key = inbox_key(user_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key)
    return version


def unread_count(user, *, version: str | None = None) -> int:
    """The number in the navigation bar, cached under the version of the user's notifications.

    The version is read before the database, so a count read across a concurrent change is
    stored under the old version and never read.
    """
    from django.core.cache import cache

    version = version or inbox_version(user.pk)
    key = f"inbox-count:{user.pk}:{version}"
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(
            recipient=user, read_at__isnull=True, notice__resolved_at__isnull=True
        ).count()
        cache.set(key, count, 300)
    return count


def urgent_notices(*, user, limit: int = 20) -> list[Notice]:
    """Open urgent notices of the user's bureau(s), for the top of the dashboard (cached)."""
    from accounts.selectors import bureau_scope

    def compute():
        open_urgent = Notice.objects.filter(
            bureau_scope(user=user), urgent=True, resolved_at__isnull=True
        )
        return list(open_urgent.order_by("created_at")[:limit])

    return selectors.cached(user=user, name="urgent", parts=(limit,), compute=compute)


def urgent_days(notices: list[Notice]) -> int:
    """How late the urgent notices are at least: the bureaus' level-3 threshold (the
    smallest, when the notices come from several bureaus)."""
    conf = settings_for({n.bureau_id for n in notices})
    default = ReminderSettings._meta.get_field("escalate_level3_days").default
    return min((c.escalate_level3_days for c in conf.values()), default=default)

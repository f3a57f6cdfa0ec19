"""Reminders: find what threatens the execution rate and tell the right people, once.

The scan (:func:`find`) works out, for a date, every notice that should exist now, in a
bounded number of queries over all bureaus. :func:`run` then creates the missing ones
(each has a unique key: rule, object, level, period), resolves those whose cause is
gone, and delivers what is due in working hours: an in-app notification per person,
e-mail, and the bureau's group robot. Running it twice, a Celery retry or two beat ticks
at once send nothing twice: notices and notifications are unique in the database, and
every e-mail or robot message is claimed in the database before it is sent.

Rules (thresholds per bureau, :class:`payments.models.ReminderSettings`):
- due soon: an installment falls due within 15, 7 or 3 days → owner and finance;
- documents late: past the documents deadline, documents missing → owner, and the
  provider's contact by e-mail;
- late: past due and unpaid; level 1 at once → owner and finance, level 2 after 15 days
  → also manager, level 3 after 30 days → urgent, top of the manager's dashboard;
- approved but unpaid past the payment deadline (30 days) → finance and manager;
- execution behind the time-progress target by more than the tolerance at the latest
  month end → finance and manager;
- from October, projected year-end rate below the target (95%) → finance and manager.
"""

import datetime
import gc
import json
import logging
import time
import urllib.request
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
    delivered: list[Notice] = field(default_factory=list)
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
    as_of: datetime.date, *, horizon: int, bureau_ids: list[int] | None = None
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


def _installment_candidates(as_of, bureau_ids) -> list[Candidate]:
    horizon = max([max(s.due_soon_days or [0]) for s in ReminderSettings.objects.all()] + [15])
    rows = due_rows(as_of, horizon=horizon, bureau_ids=bureau_ids)
    per_bureau = settings_for({r.bureau_id for r in rows})
    prefix = _site(reverse("payments:installment-detail", args=[0]).removesuffix("0/"))
    candidates = []
    for row in rows:
        candidates += _rules_for(row, per_bureau[row.bureau_id], as_of, f"{prefix}{row.pk}/")
    return candidates


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
                    key=f"due_soon:{installment.pk}:{thresholds[0]}",
                    rule=R.DUE_SOON,
                    owner_ids=owners,
                    roles=(Role.FINANCE,),
                    text=lambda: (
                        _("%(name)s 今天到期") % {"name": name()}
                        if days_to_due == 0
                        else _("%(name)s %(days)s 天后到期")
                        % {"name": name(), "days": days_to_due},
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
                    _("%(name)s 付款资料逾期 %(days)s 天未交")
                    % {"name": name(), "days": days_overdue},
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
                key=f"late:{installment.pk}:L{level}",
                rule=R.LATE,
                level=level,
                urgent=level == 3,
                owner_ids=owners,
                roles=(Role.FINANCE,) if level == 1 else (Role.FINANCE, Role.MANAGER),
                text=lambda: (
                    _("%(name)s 已逾期 %(days)s 天未付") % {"name": name(), "days": days_late},
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
        if waited > conf.payment_deadline_days:
            found.append(
                Candidate(
                    key=f"approved_unpaid:{installment.pk}:{installment.approved_on.isoformat()}",
                    rule=R.APPROVED_UNPAID,
                    roles=(Role.FINANCE, Role.MANAGER),
                    text=lambda: (
                        _("%(name)s 审批后 %(days)s 天仍未付款") % {"name": name(), "days": waited},
                        _(
                            "%(approved)s 审批通过，超过 %(limit)s 天付款期限，尚未支付 %(amount)s 万元。"
                        )
                        % {
                            "approved": installment.approved_on,
                            "limit": conf.payment_deadline_days,
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


# --- the run ---------------------------------------------------------------------------------


def run(
    *,
    now: datetime.datetime | None = None,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    bureau_ids: list[int] | None = None,
) -> Outcome:
    """Scan, create what is new, resolve what is over, deliver what is due."""
    now = now or timezone.now()
    as_of = as_of or timezone.localdate(now)
    candidates = find(as_of, bureau_ids=bureau_ids)
    outcome = Outcome(candidates=candidates)
    recipients = _recipients(candidates)
    keys = {c.key for c in candidates}
    existing = dict(Notice.objects.filter(key__in=keys).values_list("key", "resolved_at"))
    new = [(i, c) for i, c in enumerate(candidates) if c.key not in existing]
    # A cause that came back (a payment reversed, a document found missing again) reopens
    # its notice: it shows again as unread; e-mail and robot are not sent a second time.
    reopen = [key for key, resolved_at in existing.items() if resolved_at is not None]
    open_notices = Notice.objects.filter(resolved_at__isnull=True)
    if bureau_ids is not None:
        open_notices = open_notices.filter(bureau_id__in=bureau_ids)
    stale = [notice for notice in open_notices if notice.key not in keys]
    conf = settings_for({c.bureau_id for _, c in new})
    to_create = [_notice(c, recipients[i], now, conf[c.bureau_id]) for i, c in new]
    if dry_run:
        outcome.created = to_create
        outcome.resolved = stale
        outcome.reopened = list(Notice.objects.filter(key__in=reopen))
        outcome.recipients = (
            dict(
                User.objects.filter(pk__in=set().union(*recipients.values())).values_list(
                    "pk", "username"
                )
            )
            if recipients
            else {}
        )
        return outcome

    with transaction.atomic():
        Notice.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=BATCH)
        outcome.created = list(
            Notice.objects.filter(key__in=[n.key for n in to_create], created_at=now)
        )
        by_resolution: dict[str, list[int]] = {}
        for notice in stale:
            notice.resolution = _resolution(notice, keys)
            by_resolution.setdefault(notice.resolution, []).append(notice.pk)
        for resolution, pks in by_resolution.items():
            Notice.objects.filter(pk__in=pks, resolved_at__isnull=True).update(
                resolved_at=now, resolution=resolution
            )
        outcome.resolved = stale
        if reopen:
            # A notice comes back with what is true now (amounts, days late), not with
            # the text of the first time.
            by_key = {c.key: c for c in candidates}
            outcome.reopened = list(Notice.objects.filter(key__in=reopen))
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
        touched = [n.pk for n in (*stale, *outcome.reopened)]
        if touched:
            inbox_changed(
                *Notification.objects.filter(notice_id__in=touched).values_list(
                    "recipient_id", flat=True
                )
            )
        # Urgent notices show on the dashboards of their bureaus.
        records_changed(
            *{n.bureau_id for n in (*outcome.created, *stale, *outcome.reopened) if n.urgent}
        )

    if settings.REMINDER_DELIVERY_PAUSE:  # lets a test kill a worker between finding and sending
        time.sleep(settings.REMINDER_DELIVERY_PAUSE)
    deliver(now=now, outcome=outcome)
    return outcome


def _resolution(notice: Notice, current_keys: set[str]) -> str:
    prefix = notice.key.rsplit(":", 1)[0]
    if any(key.startswith(prefix + ":") for key in current_keys):
        return _("已升级或进入新周期")
    if notice.rule == R.DUE_SOON and f"late:{notice.installment_id}:L1" in current_keys:
        return _("已到期未付，转为逾期提醒")
    if notice.rule in (R.DUE_SOON, R.LATE):
        return _("已付清、已取消或到期日已调整")
    if notice.rule == R.APPROVED_UNPAID:
        return _("已付清或已取消")
    if notice.rule == R.DOCUMENTS_LATE:
        return _("资料已收齐")
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


def deliver(*, now: datetime.datetime, outcome: Outcome | None = None) -> Outcome:
    """Send the notices that are due: in-app, e-mail and the group robot, each once.

    A batch of due notices is locked (others skip it), its notifications are created and
    every e-mail and robot message is claimed (its "sent" time set) in the same
    transaction; only after the commit are they sent. A crash can lose a message but
    never send one twice.
    """
    outcome = outcome or Outcome()
    while True:
        with transaction.atomic():
            batch = list(
                Notice.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, resolved_at__isnull=True, deliver_after__lte=now)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                break
            conf = settings_for({n.bureau_id for n in batch})
            emails = dict(
                User.objects.filter(
                    pk__in={pk for n in batch for pk in n.data.get("recipients", [])}
                ).values_list("pk", "email")
            )
            notifications, messages = [], []
            for notice in batch:
                mail_on = conf[notice.bureau_id].email_enabled
                for user_id in notice.data.get("recipients", []):
                    address = emails.get(user_id) if mail_on else ""
                    notifications.append(
                        Notification(
                            notice=notice,
                            recipient_id=user_id,
                            created_at=now,
                            emailed_at=now if address else None,
                        )
                    )
                    if address:
                        messages.append(_email(notice, [address]))
                if mail_on and notice.data.get("provider_email"):
                    notice.provider_emailed_at = now
                    messages.append(_email(notice, [notice.data["provider_email"]]))
                if conf[notice.bureau_id].webhook_url:
                    notice.webhook_sent_at = now
                notice.delivered_at = now
            Notification.objects.bulk_create(notifications, ignore_conflicts=True, batch_size=BATCH)
            inbox_changed(*{n.recipient_id for n in notifications})
            for name in ("delivered_at", "provider_emailed_at", "webhook_sent_at"):
                pks = [n.pk for n in batch if getattr(n, name) == now]
                if pks:
                    Notice.objects.filter(pk__in=pks).update(**{name: now})
        outcome.delivered += batch
        outcome.notifications += len(notifications)
        if messages:
            with get_connection() as connection:
                connection.send_messages(messages)
            outcome.emails += len(messages)
        for notice in batch:
            if notice.webhook_sent_at == now:
                outcome.webhooks += _post_webhook(conf[notice.bureau_id].webhook_url, notice)
    return outcome


def _email(notice: Notice, to: list[str]) -> EmailMessage:
    body = f"{notice.body}\n\n{notice.url}\n"
    return EmailMessage(subject=f"[{_('社工服务项目管理')}] {notice.title}", body=body, to=to)


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
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - set by the admin
            response.read()
    except OSError as exc:
        # At most once: a robot that is down misses this message; the in-app notification
        # and the e-mail still stand.
        logger.warning("group robot %s failed for notice %s: %s", url, notice.pk, exc)
        return 0
    return 1


def _inbox_key(user_id: int) -> str:
    return f"inbox-version:{user_id}"


def inbox_changed(*user_ids: int) -> None:
    """Someone's notifications were added, read, resolved or reopened: recount them."""
    from django.core.cache import cache

    keys = [_inbox_key(u) for u in user_ids]
    cache.delete_many(keys)
    # Again after the commit: a count read in between saw the uncommitted state.
    transaction.on_commit(lambda: cache.delete_many(keys))


def unread_count(user) -> int:
    """The number in the navigation bar (cached until the user's notifications change)."""
    from django.core.cache import cache

    key = _inbox_key(user.pk)
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

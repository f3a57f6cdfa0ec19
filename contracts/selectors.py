"""Reads of the contracts register, always scoped to the user's bureau first."""

import datetime

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import bureau_scope
from contracts.models import AnnualGoal, Award, Contract, ContractAttachment, Project, Provider


def provider_list(*, user: User) -> QuerySet[Provider]:
    return (
        Provider.objects.filter(bureau_scope(user=user))
        .select_related("bureau")
        .annotate(award_count=Count("awards"))
    )


def provider_get(*, user: User, pk: int) -> Provider:
    return get_object_or_404(Provider.objects.filter(bureau_scope(user=user)), pk=pk)


def project_list(*, user: User) -> QuerySet[Project]:
    return (
        Project.objects.filter(bureau_scope(user=user))
        .select_related("bureau", "owner")
        .annotate(award_count=Count("awards"))
    )


def project_get(*, user: User, pk: int) -> Project:
    return get_object_or_404(
        Project.objects.filter(bureau_scope(user=user)).select_related("bureau", "owner"), pk=pk
    )


def annual_goal_get(*, user: User, pk: int) -> AnnualGoal:
    return get_object_or_404(
        AnnualGoal.objects.filter(bureau_scope(user=user, field="project__bureau")).select_related(
            "project"
        ),
        pk=pk,
    )


def award_list(*, user: User) -> QuerySet[Award]:
    return (
        Award.objects.filter(bureau_scope(user=user, field="project__bureau"))
        .select_related("project", "provider", "project__bureau")
        .annotate(contract_count=Count("contracts"))
    )


def award_get(*, user: User, pk: int) -> Award:
    return get_object_or_404(
        Award.objects.filter(bureau_scope(user=user, field="project__bureau")).select_related(
            "project", "provider", "project__bureau"
        ),
        pk=pk,
    )


def with_status(queryset: QuerySet[Contract], today: datetime.date | None = None) -> QuerySet:
    """Annotate ``status`` by the rule of :meth:`Contract.status_on`, in the database."""
    today = today or timezone.localdate()
    return queryset.annotate(
        status=Case(
            When(terminated_on__isnull=False, then=Value(Contract.Status.TERMINATED)),
            When(start__gt=today, then=Value(Contract.Status.PENDING)),
            When(end__lt=today, then=Value(Contract.Status.EXPIRED)),
            default=Value(Contract.Status.ACTIVE),
            output_field=CharField(),
        )
    )


def contract_list(*, user: User, today: datetime.date | None = None) -> QuerySet[Contract]:
    """The user's contracts with award, project and provider fetched, status annotated."""
    return with_status(
        Contract.objects.filter(bureau_scope(user=user)).select_related(
            "bureau", "award", "award__project", "award__provider", "owner"
        ),
        today,
    )


def contract_get(*, user: User, pk: int) -> Contract:
    return get_object_or_404(contract_list(user=user), pk=pk)


def contract_owner_choices(*, user: User, contract: Contract | None = None) -> QuerySet[User]:
    """Who may be a contract's 经办人: active staff (业务科室) users of the contract's bureau
    (of the user's bureaus for a new contract), plus its current owner even if they have
    lost the role since."""
    if contract is not None and contract.pk:
        scope = Q(bureau_id=contract.bureau_id)
    else:
        scope = bureau_scope(user=user)
    staff = User.objects.filter(scope, is_active=True, groups__name=Role.STAFF).values("pk")
    eligible = Q(pk__in=staff)
    if contract is not None and contract.owner_id:
        eligible |= Q(pk=contract.owner_id)
    return User.objects.filter(eligible).order_by("username")


def contracts_in_year(queryset: QuerySet[Contract], year: int) -> QuerySet[Contract]:
    """Contracts whose service period overlaps the calendar year."""
    return queryset.filter(
        start__lte=datetime.date(year, 12, 31), end__gte=datetime.date(year, 1, 1)
    )


def contract_search(queryset: QuerySet[Contract], text: str) -> QuerySet[Contract]:
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(number__icontains=text)
        | Q(title__icontains=text)
        | Q(award__project__name__icontains=text)
        | Q(award__provider__name__icontains=text)
    )


def attachment_get(*, user: User, pk: int) -> ContractAttachment:
    return get_object_or_404(
        ContractAttachment.objects.filter(
            bureau_scope(user=user, field="contract__bureau")
        ).select_related("contract"),
        pk=pk,
    )


def history_of(obj, *, limit: int = 50) -> list[dict]:
    """The change history of one record, newest first, each with its field changes."""
    return history_entries(obj.history.all(), model=type(obj), limit=limit)


def annual_goal_history(*, project: Project, limit: int = 50) -> list[dict]:
    """The history of a project's annual goals (deleted ones included), newest first."""
    return history_entries(
        AnnualGoal.history.filter(project_id=project.pk),
        model=AnnualGoal,
        limit=limit,
        label=lambda record: gettext("%(year)s 年度目标") % {"year": record.year},
    )


def attachment_history(*, contract: Contract, limit: int = 50) -> list[dict]:
    """The history of a contract's attachments, newest first."""
    return history_entries(
        ContractAttachment.history.filter(contract_id=contract.pk),
        model=ContractAttachment,
        limit=limit,
        label=lambda record: record.title,
    )


def merged_history(*histories: list[dict], limit: int = 50) -> list[dict]:
    """Several histories (of a record and of the records under it) as one, newest first."""
    entries = [entry for history in histories for entry in history]
    return sorted(entries, key=lambda entry: entry["date"], reverse=True)[:limit]


def history_entries(records, *, model, limit: int = 50, label=None) -> list[dict]:
    """History rows (of one record or several of one model), newest first, with changes.

    A change is found by comparing a row with the previous row of the same record, in
    memory. Linked records are shown by name: their ids are resolved with one query per
    linked model, whatever the number of rows. Queries: one for the rows and their users,
    plus one per linked model that appears in a change.

    ``label(record)`` names the record a row belongs to, for histories of several records.
    """
    records = list(
        records.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = {f.attname: f for f in model._meta.concrete_fields if f.attname not in {"id"}}
    # The previous row of each row, by record. One more row than shown is fetched, so the
    # oldest row shown of a single record has its predecessor; in a history of several
    # records those of the oldest rows shown are fetched with one more query.
    previous_of, latest = {}, {}
    for record in reversed(records):
        previous_of[record.history_id] = latest.get(record.id)
        latest[record.id] = record
    _find_missing_predecessors(records[:limit], previous_of)
    rows = []
    for record in records[:limit]:
        previous = previous_of[record.history_id]
        changes = []
        if previous is not None and record.history_type == "~":
            for attname, field in fields.items():
                old, new = getattr(previous, attname, None), getattr(record, attname, None)
                if old != new:
                    changes.append((field, old, new))
        rows.append((record, changes))
    names = _linked_names(change for _record, changes in rows for change in changes)
    return [
        {
            "date": record.history_date,
            "user": record.history_user,
            "type": record.get_history_type_display(),
            "reason": record.history_change_reason or "",
            "object": label(record) if label else "",
            "changes": [
                {
                    "field": field.verbose_name,
                    "old": _display(field, old, names),
                    "new": _display(field, new, names),
                }
                for field, old, new in changes
            ],
        }
        for record, changes in rows
    ]


def _find_missing_predecessors(records, previous_of) -> None:
    """In a history of several records, the oldest change shown of a record may have its
    predecessor beyond the rows fetched: one more query finds them."""
    missing = [r for r in records if r.history_type == "~" and previous_of[r.history_id] is None]
    if not missing:
        return
    history = type(missing[0])
    older = history.objects.filter(
        id__in={r.id for r in missing}, history_id__lt=max(r.history_id for r in missing)
    ).order_by("-history_id")
    by_record: dict = {}
    for row in older:
        by_record.setdefault(row.id, []).append(row)
    for record in missing:
        previous_of[record.history_id] = next(
            (row for row in by_record.get(record.id, []) if row.history_id < record.history_id),
            None,
        )


def _linked_names(changes) -> dict:
    """``{model: {pk: name}}`` for the linked records named in ``changes``, one query each."""
    wanted: dict = {}
    for field, old, new in changes:
        if field.is_relation:
            ids = wanted.setdefault(field.related_model, set())
            ids.update(value for value in (old, new) if value is not None)
    names = {}
    for related, ids in wanted.items():
        # A name often reads a linked record of its own (an award is "project · provider").
        forward = [f.name for f in related._meta.concrete_fields if f.is_relation]
        queryset = related._base_manager.filter(pk__in=ids).select_related(*forward)
        names[related] = {obj.pk: str(obj) for obj in queryset}
    return names


def _display(field, value, names=None):
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        # A record deleted since keeps its number.
        return (names or {}).get(field.related_model, {}).get(value, f"#{value}")
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.datetime):
        # Stored in UTC to the microsecond; people read local time to the minute.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value

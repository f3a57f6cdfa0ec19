"""Reads of the contracts register, always scoped to the user's bureau first."""

import datetime

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
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
    """The change history of one record, newest first, each with its field changes.

    One query: the history rows with their users; changes are computed by comparing
    consecutive rows in memory.
    """
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    model = type(obj)
    fields = {f.attname: f for f in model._meta.concrete_fields if f.attname not in {"id"}}
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            for attname, field in fields.items():
                old, new = getattr(previous, attname, None), getattr(record, attname, None)
                if old != new:
                    changes.append(
                        {
                            "field": field.verbose_name,
                            "old": _display(field, old),
                            "new": _display(field, new),
                        }
                    )
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries


def _display(field, value):
    if value is None or value == "":
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        return f"#{value}"
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("是") if value else gettext("否")
    return value

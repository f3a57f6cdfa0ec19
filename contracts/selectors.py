"""Reads of the contracts register, always scoped to the user's bureau first."""

import datetime

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import bureau_scope
from contracts.models import (
    AnnualGoal,
    Award,
    Contract,
    ContractAttachment,
    Project,
    Provider,
    ProviderMembership,
)
from core.history import history_entries


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
    return _staff_owner_choices(user=user, record=contract)


def project_owner_choices(*, user: User, project: Project | None = None) -> QuerySet[User]:
    """Who may be a project's 项目负责人: the same rule as a contract's 经办人."""
    return _staff_owner_choices(user=user, record=project)


def _staff_owner_choices(*, user: User, record) -> QuerySet[User]:
    if record is not None and record.pk:
        scope = Q(bureau_id=record.bureau_id)
    else:
        scope = bureau_scope(user=user)
    staff = User.objects.filter(scope, is_active=True, groups__name=Role.STAFF).values("pk")
    eligible = Q(pk__in=staff)
    if record is not None and record.owner_id:
        eligible |= Q(pk=record.owner_id)
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


# --- the provider portal: a provider's person sees its own provider's records only ----------


def portal_provider_ids(*, user: User) -> list[int]:
    """The provider records (one per bureau it serves) a provider's person acts for: its
    active memberships. Anybody else, a bureau's person included, acts for none."""
    if not user.is_authenticated or not user.is_active or user.bureau_id is not None:
        return []
    if not user.has_perm("contracts.use_portal"):
        return []
    cached = getattr(user, "_portal_provider_ids", None)
    if cached is None:
        cached = list(
            ProviderMembership.objects.filter(user=user, is_active=True).values_list(
                "provider_id", flat=True
            )
        )
        user._portal_provider_ids = cached
    return cached


def portal_contract_list(*, user: User) -> QuerySet[Contract]:
    """The contracts of the user's provider, across the bureaus it serves."""
    return (
        Contract.objects.filter(award__provider_id__in=portal_provider_ids(user=user))
        .select_related("bureau", "award__project", "award__provider")
        .order_by("-start", "number")
    )


def portal_contract_get(*, user: User, pk: int) -> Contract:
    return get_object_or_404(portal_contract_list(user=user), pk=pk)


def provider_memberships(*, provider: Provider) -> list[ProviderMembership]:
    """The provider's people invited by the provider's bureau (for its staff)."""
    return list(
        provider.memberships.select_related("user", "invited_by").order_by("-is_active", "pk")
    )


def provider_membership_get(*, user: User, pk: int) -> ProviderMembership:
    return get_object_or_404(
        ProviderMembership.objects.filter(
            bureau_scope(user=user, field="provider__bureau")
        ).select_related("user", "provider"),
        pk=pk,
    )

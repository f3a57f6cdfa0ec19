"""List filters of the contracts register (django-filter).

A filter set declares its fields (core/filters.py holds the search box, the year and the
scoped choices), so filter sets read alike line for line: a declaration each.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope
from contracts.models import Award, Contract, Project, Provider, ServiceField
from contracts.selectors import contract_search, contracts_in_year
from core.filters import ListFilterSet, YearFilter


def scoped_choice(filterset, name: str, queryset, user) -> None:
    """Offer the bureau's records as choices; a view across many bureaus (tens of
    thousands of projects) drops the select box and relies on the search box."""
    from accounts.selectors import is_multi_bureau

    if is_multi_bureau(user=user):
        del filterset.filters[name]
    else:
        filterset.filters[name].queryset = queryset


class ScopedFilterSet(ListFilterSet):
    """Filters whose choices list records: ``scoped`` maps each such filter to its model,
    and the choices are the requesting user's bureau's records (see scoped_choice)."""

    scoped: dict = {}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        for name, model in self.scoped.items():
            scoped_choice(self, name, model.objects.filter(bureau_scope(user=user)), user)


class ContractFilter(ScopedFilterSet):
    scoped = {"provider": Provider}
    year = YearFilter(method="in_year", help_text=_("服务期与该年度有交集的合同"))
    service_field = django_filters.ChoiceFilter(
        label=_("服务领域"),
        field_name="award__project__service_field",
        choices=ServiceField.choices,
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("服务机构"), field_name="award__provider", queryset=Provider.objects.none()
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"), field_name="status", choices=Contract.Status.choices
    )

    class Meta:
        model = Contract
        fields = []

    def search(self, queryset, name, value):
        return contract_search(queryset, value)

    def in_year(self, queryset, name, value):
        return contracts_in_year(queryset, int(value))


class ProviderFilter(ListFilterSet):
    search_fields = ("name__icontains", "credit_code__icontains", "contact_person__icontains")
    rating = django_filters.ChoiceFilter(label=_("评估等级"), choices=Provider.Rating.choices)

    class Meta:
        model = Provider
        fields = []


class ProjectFilter(ListFilterSet):
    search_fields = ("name__icontains", "department__icontains")
    service_field = django_filters.ChoiceFilter(label=_("服务领域"), choices=ServiceField.choices)

    class Meta:
        model = Project
        fields = []


class AwardFilter(ScopedFilterSet):
    scoped = {"provider": Provider}
    search_fields = (
        "project__name__icontains",
        "provider__name__icontains",
        "notice_number__icontains",
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("服务机构"), field_name="provider", queryset=Provider.objects.none()
    )
    procurement_method = django_filters.ChoiceFilter(
        label=_("采购方式"), choices=Award.Method.choices
    )

    class Meta:
        model = Award
        fields = []

"""List filters of the contracts register (django-filter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope
from contracts.models import Award, Contract, Project, Provider, ServiceField
from contracts.selectors import contract_search, contracts_in_year

SEARCH_WIDGET = forms.TextInput(attrs={"placeholder": _("搜索")})


def scoped_choice(filterset, name: str, queryset, user) -> None:
    """Offer the bureau's records as choices; a view across many bureaus (tens of
    thousands of projects) drops the select box and relies on the search box."""
    from accounts.selectors import is_multi_bureau

    if is_multi_bureau(user=user):
        del filterset.filters[name]
    else:
        filterset.filters[name].queryset = queryset


class YearFilter(django_filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("年度"))
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choice(self, "provider", Provider.objects.filter(bureau_scope(user=user)), user)

    def search(self, queryset, name, value):
        return contract_search(queryset, value)

    def in_year(self, queryset, name, value):
        return contracts_in_year(queryset, int(value))


class ProviderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    rating = django_filters.ChoiceFilter(label=_("评估等级"), choices=Provider.Rating.choices)

    class Meta:
        model = Provider
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(name__icontains=value)
            | Q(credit_code__icontains=value)
            | Q(contact_person__icontains=value)
        )


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    service_field = django_filters.ChoiceFilter(label=_("服务领域"), choices=ServiceField.choices)

    class Meta:
        model = Project
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(name__icontains=value) | Q(department__icontains=value))


class AwardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    provider = django_filters.ModelChoiceFilter(
        label=_("服务机构"), field_name="provider", queryset=Provider.objects.none()
    )
    procurement_method = django_filters.ChoiceFilter(
        label=_("采购方式"), choices=Award.Method.choices
    )

    class Meta:
        model = Award
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choice(self, "provider", Provider.objects.filter(bureau_scope(user=user)), user)

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(project__name__icontains=value)
            | Q(provider__name__icontains=value)
            | Q(notice_number__icontains=value)
        )

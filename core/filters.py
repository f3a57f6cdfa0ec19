"""What every list's filters share: the search box and the year field."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SEARCH_WIDGET = forms.TextInput(attrs={"placeholder": _("搜索")})


class YearFilter(django_filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("年度"))
        kwargs.setdefault("min_value", 2000)
        kwargs.setdefault("max_value", 2100)
        super().__init__(*args, **kwargs)


class ListFilterSet(django_filters.FilterSet):
    """A list page's filters (core.views.ListPageView passes the requesting user).

    The search box ``q`` matches any of ``search_fields`` (lookups such as
    ``"name__icontains"``); a filter set without one sets ``q = None``.
    """

    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    search_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def search(self, queryset, name, value):
        match = Q()
        for lookup in self.search_fields:
            match |= Q(**{lookup: value})
        return queryset.filter(match)

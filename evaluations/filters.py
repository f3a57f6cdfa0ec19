"""List filters of the evaluations app (django-filter).

A filter set declares its fields (core/filters.py holds the search box, the year and the
scoped choices), so filter sets read alike line for line: a declaration each.
"""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.filters import ScopedFilterSet
from contracts.models import Project
from core.filters import ListFilterSet, YearFilter
from evaluations.models import Evaluation, OutputIndicator, Rectification
from evaluations.selectors import overdue_q


class EvaluationFilter(ListFilterSet):
    q = None  # no search box
    year = YearFilter(field_name="year")
    kind = django_filters.ChoiceFilter(label=_("评价类型"), choices=Evaluation.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Evaluation.Status.choices)

    class Meta:
        model = Evaluation
        fields = []


class OutputFilter(ScopedFilterSet):
    scoped = {"project": Project}
    search_fields = (
        "name__icontains",
        "project__name__icontains",
        "project__bureau__name__icontains",
    )
    year = YearFilter(field_name="year")
    project = django_filters.ModelChoiceFilter(label=_("服务项目"), queryset=Project.objects.none())

    class Meta:
        model = OutputIndicator
        fields = []


class RectificationFilter(ListFilterSet):
    search_fields = (
        "finding__problem__icontains",
        "recommendation__icontains",
        "owner__icontains",
        "finding__project__name__icontains",
    )
    year = YearFilter(field_name="finding__evaluation__year", help_text=_("评价年度"))
    status = django_filters.ChoiceFilter(label=_("整改状态"), choices=Rectification.Status.choices)
    overdue = django_filters.BooleanFilter(
        label=_("仅显示逾期"), method="only_overdue", widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = Rectification
        fields = []

    def only_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(overdue_q(timezone.localdate()))
        return queryset

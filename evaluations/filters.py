"""List filters of the evaluations app (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope
from contracts.filters import SEARCH_WIDGET, YearFilter, scoped_choice
from contracts.models import Project
from evaluations.models import Evaluation, OutputIndicator, Rectification
from evaluations.selectors import overdue_q


class EvaluationFilter(django_filters.FilterSet):
    year = YearFilter(field_name="year")
    kind = django_filters.ChoiceFilter(label=_("评价类型"), choices=Evaluation.Kind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Evaluation.Status.choices)

    class Meta:
        model = Evaluation
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class OutputFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    year = YearFilter(field_name="year")
    project = django_filters.ModelChoiceFilter(label=_("服务项目"), queryset=Project.objects.none())

    class Meta:
        model = OutputIndicator
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scoped_choice(self, "project", Project.objects.filter(bureau_scope(user=user)), user)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(project__name__icontains=value)
            | Q(project__bureau__name__icontains=value)
        )


class RectificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search", widget=SEARCH_WIDGET)
    year = YearFilter(field_name="finding__evaluation__year", help_text=_("评价年度"))
    status = django_filters.ChoiceFilter(label=_("整改状态"), choices=Rectification.Status.choices)
    overdue = django_filters.BooleanFilter(
        label=_("仅显示逾期"), method="only_overdue", widget=django_filters.widgets.BooleanWidget()
    )

    class Meta:
        model = Rectification
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(finding__problem__icontains=value)
            | Q(recommendation__icontains=value)
            | Q(owner__icontains=value)
            | Q(finding__project__name__icontains=value)
        )

    def only_overdue(self, queryset, name, value):
        if value:
            return queryset.filter(overdue_q(timezone.localdate()))
        return queryset

"""List filters of the payments app (django-filter).

A filter set declares its fields (core/filters.py holds the search box, the year and the
scoped choices), so filter sets read alike line for line: a declaration each.
"""

import datetime

import django_filters
from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.filters import ScopedFilterSet
from contracts.models import Project
from core.filters import ListFilterSet, YearFilter
from payments.models import Audit, Budget, Deduction, DocumentFile, Installment, Payment
from payments.selectors import late_filter, with_amounts

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstallmentFilter(ScopedFilterSet):
    scoped = {"project": Project}
    search_fields = (
        "contract__number__icontains",
        "contract__title__icontains",
        "contract__award__project__name__icontains",
        "contract__award__provider__name__icontains",
    )
    year = YearFilter(field_name="due_date__year", help_text=_("应付日期所在年度"))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Installment.Status.choices)
    project = django_filters.ModelChoiceFilter(
        label=_("服务项目"), field_name="contract__award__project", queryset=Project.objects.none()
    )
    late = django_filters.BooleanFilter(
        label=_("仅显示逾期"), method="only_late", widget=django_filters.widgets.BooleanWidget()
    )
    # The dashboard's as-of date: late (and owing) as the records stood on that day.
    as_of = django_filters.DateFilter(
        label=_("逾期截至日期"), method="as_of_date", widget=DATE_WIDGET
    )
    above_threshold = django_filters.BooleanFilter(
        label=_("超过审批限额"),
        method="only_above_threshold",
        widget=django_filters.widgets.BooleanWidget(),
    )

    files_to_review = django_filters.BooleanFilter(
        label=_("有待接收的资料文件"),
        method="only_files_to_review",
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Installment
        fields = []

    def only_files_to_review(self, queryset, name, value):
        # Files the provider handed in through its portal that staff have not yet
        # accepted or returned.
        if value:
            return queryset.filter(
                pk__in=DocumentFile.objects.filter(status=DocumentFile.Status.SUBMITTED).values(
                    "document__installment_id"
                )
            )
        return queryset

    def only_above_threshold(self, queryset, name, value):
        # Above the bureau's threshold only a manager approves (payments.services).
        if value:
            return queryset.filter(planned_amount__gt=F("bureau__approval_threshold"))
        return queryset

    def only_late(self, queryset, name, value):
        if value:
            as_of = self.form.cleaned_data.get("as_of") or timezone.localdate()
            return with_amounts(queryset, as_of).filter(late_filter(as_of))
        return queryset

    def as_of_date(self, queryset, name, value):
        return queryset  # read by only_late


class PaymentFilter(ScopedFilterSet):
    scoped = {"project": Project}
    search_fields = (
        "voucher_number__icontains",
        "installment__contract__number__icontains",
        "installment__contract__award__project__name__icontains",
    )
    year = YearFilter(method="in_year", help_text=_("支付日期所在年度"))
    project = django_filters.ModelChoiceFilter(
        label=_("服务项目"),
        field_name="installment__contract__award__project",
        queryset=Project.objects.none(),
    )
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Payment.Kind.choices)
    as_of = django_filters.DateFilter(
        label=_("截至日期"), field_name="paid_on", lookup_expr="lte", widget=DATE_WIDGET
    )

    class Meta:
        model = Payment
        fields = []

    def in_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(
            paid_on__gte=datetime.date(year, 1, 1), paid_on__lte=datetime.date(year, 12, 31)
        )


class BudgetFilter(ScopedFilterSet):
    scoped = {"project": Project}
    # Across many bureaus there is no project list to pick from: search instead.
    search_fields = ("project__name__icontains", "bureau__name__icontains")
    year = YearFilter(field_name="year")
    project = django_filters.ModelChoiceFilter(
        label=_("服务项目"), field_name="project", queryset=Project.objects.none()
    )

    class Meta:
        model = Budget
        fields = []


class AuditFilter(ListFilterSet):
    search_fields = ("firm__icontains", "report_number__icontains", "project__name__icontains")
    year = YearFilter(field_name="year")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=Audit.Kind.choices)
    no_deduction = django_filters.BooleanFilter(
        label=_("已出报告、未登记扣减"),
        method="only_without_deduction",
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Audit
        fields = []

    def only_without_deduction(self, queryset, name, value):
        # A closed audit whose report may cut an installment: finance records the cut.
        if value:
            return queryset.filter(
                kind=Audit.Kind.AUDIT, closed_on__isnull=False, deductions__isnull=True
            )
        return queryset


class DeductionFilter(ScopedFilterSet):
    scoped = {"project": Project}
    search_fields = (
        "installment__contract__number__icontains",
        "installment__contract__award__project__name__icontains",
        "audit__firm__icontains",
        "audit__report_number__icontains",
        "reason__icontains",
    )
    year = YearFilter(field_name="decided_on__year", help_text=_("扣减日期所在年度"))
    project = django_filters.ModelChoiceFilter(
        label=_("服务项目"),
        field_name="installment__contract__award__project",
        queryset=Project.objects.none(),
    )
    withdrawn = django_filters.BooleanFilter(
        label=_("已撤销"),
        field_name="withdrawn_on",
        lookup_expr="isnull",
        exclude=True,
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Deduction
        fields = []

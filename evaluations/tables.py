"""Sortable tables of the evaluations app (django-tables2)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evaluations import selectors
from evaluations.models import Evaluation, OutputIndicator


class EvaluationTable(tables.Table):
    year = tables.Column(verbose_name=_("年度"))
    title = tables.Column(verbose_name=_("标题"), linkify=True)
    kind = tables.Column(verbose_name=_("评价类型"))
    status = tables.Column(verbose_name=_("状态"))
    total = tables.Column(verbose_name=_("总分"), attrs={"td": {"class": "money"}})
    grade = tables.Column(verbose_name=_("等级"), accessor="total", orderable=False)

    class Meta:
        model = Evaluation
        fields = []
        sequence = ["year", "title", "kind", "status", "total", "grade"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "evaluation-table"}
        empty_text = _("尚无绩效评价。")

    def render_total(self, value):
        return format(value.normalize(), "f")

    def render_grade(self, record):
        return (
            record.grade_scale.grade_for(record.total, list(record.grade_scale.bands.all())) or "—"
        )


class OutputTable(tables.Table):
    year = tables.Column(verbose_name=_("年度"))
    project = tables.Column(verbose_name=_("服务项目"), order_by="project__name")
    name = tables.Column(
        verbose_name=_("指标名称"),
        linkify=lambda record: reverse("evaluations:output-detail", args=[record.pk]),
    )
    target = tables.Column(verbose_name=_("目标值"), attrs={"td": {"class": "money"}})
    actual = tables.Column(
        verbose_name=_("实际完成值"), attrs={"td": {"class": "money"}}, orderable=False
    )
    completion = tables.Column(
        verbose_name=_("完成率"), accessor="pk", orderable=False, attrs={"td": {"class": "money"}}
    )

    class Meta:
        model = OutputIndicator
        fields = []
        sequence = ["year", "project", "name", "target", "actual", "completion"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "output-table"}
        empty_text = _("尚未登记产出指标。")

    def render_target(self, record):
        return f"{record.get_comparator_display()} {record.target.normalize():f} {record.unit}"

    def render_actual(self, record):
        actual = selectors.actual_of(record)
        return "—" if actual is None else f"{actual.normalize():f} {record.unit}"

    def render_completion(self, record):
        share = selectors.completion(record)
        return "—" if share is None else f"{share:.2f}%"

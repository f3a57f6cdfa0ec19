"""The columns of the evaluations app's lists (see contracts.listing)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from contracts.listing import Column, link
from evaluations import selectors


def _points(value) -> str:
    return "—" if value is None else format(value.normalize(), "f")


def evaluation_columns() -> list[Column]:
    return [
        Column("year", _("年度"), lambda e: e.year, ("year",)),
        Column("title", _("标题"), lambda e: link(e.get_absolute_url(), e.title), ("title",)),
        Column("kind", _("评价类型"), lambda e: e.get_kind_display(), ("kind",)),
        Column("status", _("状态"), lambda e: e.get_status_display(), ("status",)),
        Column("total", _("总分"), lambda e: _points(e.total), ("total",), "money"),
        Column(
            "grade",
            _("等级"),
            lambda e: e.grade_scale.grade_for(e.total, list(e.grade_scale.bands.all())) or "—",
        ),
    ]


def output_columns() -> list[Column]:
    def actual(o):
        value = selectors.actual_of(o)
        return "—" if value is None else f"{value.normalize():f} {o.unit}"

    def completion(o):
        share = selectors.completion(o)
        return "—" if share is None else f"{share:.2f}%"

    return [
        Column("year", _("年度"), lambda o: o.year, ("year",)),
        Column("project", _("服务项目"), lambda o: o.project.name, ("project__name",)),
        Column(
            "name",
            _("指标名称"),
            lambda o: link(reverse("evaluations:output-detail", args=[o.pk]), o.name),
            ("name",),
        ),
        Column(
            "target",
            _("目标值"),
            lambda o: f"{o.get_comparator_display()} {o.target.normalize():f} {o.unit}",
            ("target",),
            "money",
        ),
        Column("actual", _("实际完成值"), actual, None, "money"),
        Column("completion", _("完成率"), completion, None, "money"),
    ]

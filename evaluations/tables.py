"""The columns of the evaluations app's lists (see core.listing)."""

import datetime

from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.listing import Column, link
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


def rectification_columns(today: datetime.date) -> list[Column]:
    def problem(r):
        url = f"{r.finding.evaluation.get_absolute_url()}#finding-{r.finding_id}"
        return link(url, r.finding.problem[:60])

    def status(r):
        days = selectors.days_overdue(r, today)
        if days:
            return format_html(
                '{} <span class="badge bg-danger">{}</span>',
                r.get_status_display(),
                _("逾期 %(days)s 天") % {"days": days},
            )
        return r.get_status_display()

    return [
        Column(
            "year",
            _("年度"),
            lambda r: r.finding.evaluation.year,
            ("finding__evaluation__year",),
        ),
        Column("problem", _("问题"), problem, ("finding__order", "finding_id")),
        Column(
            "project",
            _("服务项目"),
            lambda r: r.finding.project.name if r.finding.project else "—",
            ("finding__project__name",),
        ),
        Column("recommendation", _("建议"), lambda r: r.recommendation[:60], ("order",)),
        Column("owner", _("责任人/科室"), lambda r: r.owner or "—", ("owner",)),
        Column(
            "due_date",
            _("整改期限"),
            lambda r: r.due_date.isoformat() if r.due_date else "—",
            ("due_date",),
        ),
        Column("status", _("整改状态"), status, ("status",)),
        Column(
            "completed_on",
            _("完成日期"),
            lambda r: r.completed_on.isoformat() if r.completed_on else "—",
            ("completed_on",),
        ),
    ]

"""The columns of the payments app's lists (see core.listing)."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.tables import wan
from core.listing import Column, link
from payments.models import Installment
from payments.selectors import days_late

STATUS_BADGES = {
    Installment.Status.PLANNED: "secondary",
    Installment.Status.AWAITING_DOCUMENTS: "warning text-dark",
    Installment.Status.DOCUMENTS_SUBMITTED: "info text-dark",
    Installment.Status.UNDER_REVIEW: "info text-dark",
    Installment.Status.APPROVED: "primary",
    Installment.Status.PAID: "success",
    Installment.Status.ON_HOLD: "dark",
    Installment.Status.CANCELLED: "light text-dark",
}


def yuan(value) -> str:
    """An amount in 元 with thousands separators and two decimals, as on a voucher."""
    return "—" if value is None else f"{value:,.2f}"


def status_badge(status: str):
    label = Installment.Status(status).label
    return format_html('<span class="badge bg-{}">{}</span>', STATUS_BADGES[status], label)


def _late(today):
    def cell(record):
        days = days_late(record, today)
        return format_html('<span class="text-danger fw-semibold">{}</span>', days) if days else "—"

    return cell


def installment_columns(today) -> list[Column]:
    return [
        Column("contract", _("合同"), lambda i: i.contract.number, ("contract__number",)),
        Column(
            "project",
            _("服务项目"),
            lambda i: i.contract.award.project.name,
            ("contract__award__project__name",),
        ),
        Column(
            "number",
            _("期次"),
            lambda i: link(i.get_absolute_url(), i.label),
            ("contract__number", "number"),
        ),
        Column("due_date", _("应付日期"), lambda i: f"{i.due_date:%Y-%m-%d}", ("due_date",)),
        Column(
            "planned",
            _("计划（万元）"),
            lambda i: wan(i.planned_amount),
            ("planned_amount",),
            "money",
            "planned_amount",
            wan,
        ),
        Column(
            "deducted", _("扣减（万元）"), lambda i: wan(i.deducted), None, "money", "deducted", wan
        ),
        Column("paid", _("已付（万元）"), lambda i: wan(i.paid), None, "money", "paid", wan),
        Column(
            "outstanding",
            _("未付（万元）"),
            lambda i: wan(i.outstanding),
            None,
            "money",
            "outstanding",
            wan,
        ),
        Column("status", _("状态"), lambda i: status_badge(i.status), ("status",)),
        Column("late", _("逾期天数"), _late(today), None, "money"),
    ]


def payment_columns() -> list[Column]:
    return [
        Column("paid_on", _("支付日期"), lambda p: f"{p.paid_on:%Y-%m-%d}", ("paid_on",)),
        Column("voucher", _("凭证号"), lambda p: p.voucher_number, ("voucher_number",)),
        Column(
            "contract",
            _("合同"),
            lambda p: p.installment.contract.number,
            ("installment__contract__number",),
        ),
        Column(
            "project",
            _("服务项目"),
            lambda p: p.installment.contract.award.project.name,
            ("installment__contract__award__project__name",),
        ),
        Column(
            "installment",
            _("期次"),
            lambda p: link(p.installment.get_absolute_url(), p.installment.label),
        ),
        Column(
            "payee",
            _("服务机构"),
            lambda p: p.installment.contract.award.provider.name,
            ("installment__contract__award__provider__name",),
        ),
        Column("kind", _("类型"), lambda p: p.get_kind_display(), ("kind",)),
        # In 元, as on the voucher.
        Column(
            "amount",
            _("金额（元）"),
            lambda p: yuan(p.amount),
            ("amount",),
            "money",
            "amount",
            yuan,
        ),
        Column("posted_by", _("登记人"), lambda p: str(p.posted_by), ("posted_by__username",)),
    ]


def budget_columns() -> list[Column]:
    return [
        Column("year", _("年度"), lambda b: b.year, ("year",)),
        Column(
            "project",
            _("服务项目"),
            lambda b: link(b.get_absolute_url(), b.project.name),
            ("project__name",),
        ),
        Column(
            "initial",
            _("年初预算（万元）"),
            lambda b: wan(b.initial),
            None,
            "money",
            "initial",
            wan,
        ),
        Column(
            "full_year",
            _("全年预算（万元）"),
            lambda b: wan(b.full_year),
            None,
            "money",
            "full_year",
            wan,
        ),
        Column(
            "issued", _("实际下达（万元）"), lambda b: wan(b.issued), None, "money", "issued", wan
        ),
    ]


def audit_columns() -> list[Column]:
    return [
        Column(
            "kind", _("类型"), lambda a: link(a.get_absolute_url(), a.get_kind_display()), ("kind",)
        ),
        Column("firm", _("实施机构"), lambda a: a.firm, ("firm",)),
        Column(
            "project",
            _("服务项目"),
            lambda a: a.project.name if a.project else "—",
            ("project__name",),
        ),
        Column("year", _("年度"), lambda a: a.year, ("year",)),
        Column(
            "closed_on",
            _("报告日期"),
            lambda a: f"{a.closed_on:%Y-%m-%d}" if a.closed_on else _("未出报告"),
            ("closed_on",),
        ),
        Column(
            "score",
            _("得分"),
            lambda a: "—" if a.score is None else f"{a.score.normalize():f}",
            ("score",),
            "money",
        ),
        Column("grade", _("等级"), lambda a: a.grade or "—", ("grade",)),
    ]


def deduction_columns() -> list[Column]:
    return [
        Column("decided_on", _("扣减日期"), lambda d: f"{d.decided_on:%Y-%m-%d}", ("decided_on",)),
        Column(
            "contract",
            _("合同"),
            lambda d: d.installment.contract.number,
            ("installment__contract__number",),
        ),
        Column(
            "project",
            _("服务项目"),
            lambda d: d.installment.contract.award.project.name,
            ("installment__contract__award__project__name",),
        ),
        Column(
            "installment",
            _("期次"),
            lambda d: link(d.installment.get_absolute_url(), d.installment.label),
        ),
        Column("audit", _("依据报告"), lambda d: str(d.audit), ("audit__firm",)),
        Column(
            "amount",
            _("金额（元）"),
            lambda d: yuan(d.amount),
            ("amount",),
            "money",
            "amount",
            yuan,
        ),
        Column(
            "withdrawn_on",
            _("撤销日期"),
            lambda d: f"{d.withdrawn_on:%Y-%m-%d}" if d.withdrawn_on else "—",
            ("withdrawn_on",),
        ),
    ]

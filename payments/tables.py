"""Sortable tables of the payments app (django-tables2)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.tables import WanColumn
from payments.models import Audit, Budget, Installment, Payment
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


def status_badge(installment_status: str):
    label = Installment.Status(installment_status).label
    return format_html(
        '<span class="badge bg-{}">{}</span>', STATUS_BADGES[installment_status], label
    )


class InstallmentTable(tables.Table):
    contract = tables.Column(
        verbose_name=_("合同"), accessor="contract__number", order_by="contract__number"
    )
    project = tables.Column(
        verbose_name=_("服务项目"),
        accessor="contract__award__project__name",
        order_by="contract__award__project__name",
    )
    label = tables.Column(
        verbose_name=_("期次"), accessor="number", linkify=lambda record: record.get_absolute_url()
    )
    due_date = tables.DateColumn(verbose_name=_("应付日期"), format="Y-m-d")
    planned_amount = WanColumn(verbose_name=_("计划（万元）"))
    deducted = WanColumn(verbose_name=_("扣减（万元）"))
    paid = WanColumn(verbose_name=_("已付（万元）"))
    outstanding = WanColumn(verbose_name=_("未付（万元）"))
    status = tables.Column(verbose_name=_("状态"))
    late = tables.Column(
        verbose_name=_("逾期天数"),
        accessor="due_date",
        orderable=False,
        attrs={"td": {"class": "money"}},
    )

    class Meta:
        model = Installment
        fields = []
        sequence = [
            "contract",
            "project",
            "label",
            "due_date",
            "planned_amount",
            "deducted",
            "paid",
            "outstanding",
            "status",
            "late",
        ]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "installment-table"}
        empty_text = _("没有符合条件的分期款。")

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def render_label(self, record):
        return record.label

    def render_status(self, record):
        return status_badge(record.status)

    def render_late(self, record):
        days = days_late(record, self.today)
        if not days:
            return "—"
        return format_html('<span class="text-danger fw-semibold">{}</span>', days)


class PaymentTable(tables.Table):
    paid_on = tables.DateColumn(verbose_name=_("支付日期"), format="Y-m-d")
    voucher_number = tables.Column(verbose_name=_("凭证号"))
    contract = tables.Column(
        verbose_name=_("合同"),
        accessor="installment__contract__number",
        order_by="installment__contract__number",
    )
    project = tables.Column(
        verbose_name=_("服务项目"),
        accessor="installment__contract__award__project__name",
        order_by="installment__contract__award__project__name",
    )
    installment = tables.Column(
        verbose_name=_("期次"),
        accessor="installment__number",
        linkify=lambda record: record.installment.get_absolute_url(),
    )
    kind = tables.Column(verbose_name=_("类型"))
    amount = WanColumn(verbose_name=_("金额（万元）"))
    posted_by = tables.Column(verbose_name=_("登记人"), order_by="posted_by__username")

    class Meta:
        model = Payment
        fields = []
        sequence = [
            "paid_on",
            "voucher_number",
            "contract",
            "project",
            "installment",
            "kind",
            "amount",
            "posted_by",
        ]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "payment-table"}
        empty_text = _("没有符合条件的支付记录。")

    def render_installment(self, record):
        return record.installment.label


class BudgetTable(tables.Table):
    year = tables.Column(verbose_name=_("年度"))
    project = tables.Column(
        verbose_name=_("服务项目"),
        order_by="project__name",
        linkify=lambda record: record.get_absolute_url(),
    )
    initial_amount = WanColumn(verbose_name=_("年初预算（万元）"))
    adjusted = WanColumn(verbose_name=_("调整（万元）"))
    full_year = WanColumn(verbose_name=_("全年预算（万元）"))
    issued_amount = WanColumn(verbose_name=_("实际下达（万元）"))

    class Meta:
        model = Budget
        fields = []
        sequence = ["year", "project", "initial_amount", "adjusted", "full_year", "issued_amount"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "budget-table"}
        empty_text = _("尚未登记预算。")


class AuditTable(tables.Table):
    kind = tables.Column(verbose_name=_("类型"), linkify=lambda record: record.get_absolute_url())
    firm = tables.Column(verbose_name=_("实施机构"))
    project = tables.Column(verbose_name=_("服务项目"), order_by="project__name", default="—")
    year = tables.Column(verbose_name=_("年度"))
    closed_on = tables.DateColumn(verbose_name=_("报告日期"), format="Y-m-d", default=_("未出报告"))
    score = tables.Column(verbose_name=_("得分"), default="—")
    grade = tables.Column(verbose_name=_("等级"), default="—")

    class Meta:
        model = Audit
        fields = []
        sequence = ["kind", "firm", "project", "year", "closed_on", "score", "grade"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "audit-table"}
        empty_text = _("尚未登记审计或评估。")

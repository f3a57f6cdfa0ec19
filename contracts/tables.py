"""Sortable tables of the contracts register (django-tables2)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.models import Award, Contract, Project, Provider
from contracts.money import to_wan


class WanColumn(tables.Column):
    """An amount stored in yuan, shown in 万元 with two decimals."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "money"}, "th": {"class": "money"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return f"{to_wan(value):,.2f}"


STATUS_BADGES = {
    Contract.Status.PENDING: "secondary",
    Contract.Status.ACTIVE: "success",
    Contract.Status.EXPIRED: "light text-dark",
    Contract.Status.TERMINATED: "danger",
}


class ContractTable(tables.Table):
    number = tables.Column(verbose_name=_("合同编号"), linkify=True)
    title = tables.Column(verbose_name=_("合同名称"), linkify=True)
    project = tables.Column(
        verbose_name=_("服务项目"), accessor="award__project__name", order_by="award__project__name"
    )
    provider = tables.Column(
        verbose_name=_("服务机构"),
        accessor="award__provider__name",
        order_by="award__provider__name",
    )
    period = tables.Column(verbose_name=_("服务期"), accessor="start", order_by=("start", "end"))
    amount = WanColumn(verbose_name=_("合同金额（万元）"))
    status = tables.Column(verbose_name=_("状态"))

    class Meta:
        model = Contract
        fields = []
        sequence = ["number", "title", "project", "provider", "period", "amount", "status"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "contract-table"}
        empty_text = _("没有符合条件的合同。")
        order_by = ("-period",)

    def render_period(self, record):
        return f"{record.start:%Y-%m-%d} ~ {record.end:%Y-%m-%d}"

    def render_status(self, value):
        label = Contract.Status(value).label
        return format_html('<span class="badge bg-{}">{}</span>', STATUS_BADGES[value], label)


class ProviderTable(tables.Table):
    name = tables.Column(verbose_name=_("机构名称"), linkify=True)
    credit_code = tables.Column(verbose_name=_("统一社会信用代码"))
    contact_person = tables.Column(verbose_name=_("联系人"))
    phone = tables.Column(verbose_name=_("联系电话"))
    rating = tables.Column(verbose_name=_("评估等级"))
    award_count = tables.Column(verbose_name=_("中标数"), attrs={"td": {"class": "money"}})

    class Meta:
        model = Provider
        fields = []
        sequence = ["name", "credit_code", "contact_person", "phone", "rating", "award_count"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "provider-table"}
        empty_text = _("尚未登记服务机构。")


class ProjectTable(tables.Table):
    name = tables.Column(verbose_name=_("项目名称"), linkify=True)
    service_field = tables.Column(verbose_name=_("服务领域"))
    department = tables.Column(verbose_name=_("服务科室"))
    owner = tables.Column(verbose_name=_("项目负责人"), order_by="owner__username")
    award_count = tables.Column(verbose_name=_("中标数"), attrs={"td": {"class": "money"}})

    class Meta:
        model = Project
        fields = []
        sequence = ["name", "service_field", "department", "owner", "award_count"]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "project-table"}
        empty_text = _("尚未登记服务项目。")


class AwardTable(tables.Table):
    project = tables.Column(
        verbose_name=_("服务项目"),
        linkify=lambda record: record.get_absolute_url(),
        order_by="project__name",
    )
    provider = tables.Column(verbose_name=_("中标机构"), order_by="provider__name")
    procurement_method = tables.Column(verbose_name=_("采购方式"))
    award_date = tables.DateColumn(verbose_name=_("中标日期"), format="Y-m-d")
    term_months = tables.Column(verbose_name=_("中标期（月）"), attrs={"td": {"class": "money"}})
    annual_amount = WanColumn(verbose_name=_("中标金额（万元/年）"))
    contract_count = tables.Column(verbose_name=_("合同数"), attrs={"td": {"class": "money"}})

    class Meta:
        model = Award
        fields = []
        sequence = [
            "project",
            "provider",
            "procurement_method",
            "award_date",
            "term_months",
            "annual_amount",
            "contract_count",
        ]
        attrs = {"class": "table table-sm table-hover align-middle", "id": "award-table"}
        empty_text = _("尚未登记中标信息。")

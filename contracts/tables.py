"""The columns of the contracts register's lists (see core.listing)."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from core.listing import Column, link
from core.money import to_wan


def wan(value) -> str:
    """An amount stored in yuan, shown in 万元 with two decimals."""
    return "—" if value is None else f"{to_wan(value):,.2f}"


STATUS_BADGES = {
    Contract.Status.PENDING: "secondary",
    Contract.Status.ACTIVE: "success",
    Contract.Status.EXPIRED: "light text-dark",
    Contract.Status.TERMINATED: "danger",
}


def contract_status(record) -> str:
    return format_html(
        '<span class="badge bg-{}">{}</span>', STATUS_BADGES[record.status], record.status_label
    )


def contract_columns() -> list[Column]:
    return [
        Column(
            "number", _("合同编号"), lambda c: link(c.get_absolute_url(), c.number), ("number",)
        ),
        Column("title", _("合同名称"), lambda c: link(c.get_absolute_url(), c.title), ("title",)),
        Column("project", _("服务项目"), lambda c: c.award.project.name, ("award__project__name",)),
        Column(
            "provider", _("服务机构"), lambda c: c.award.provider.name, ("award__provider__name",)
        ),
        Column(
            "period",
            _("服务期"),
            lambda c: f"{c.start:%Y-%m-%d} ~ {c.end:%Y-%m-%d}",
            ("start", "end"),
        ),
        Column(
            "amount",
            _("合同金额（万元）"),
            lambda c: wan(c.amount),
            ("amount",),
            "money",
            "amount",
            wan,
        ),
        Column("status", _("状态"), contract_status, ("status",)),
    ]


def provider_columns() -> list[Column]:
    return [
        Column("name", _("机构名称"), lambda p: link(p.get_absolute_url(), p.name), ("name",)),
        Column("credit_code", _("统一社会信用代码"), lambda p: p.credit_code, ("credit_code",)),
        Column("contact", _("联系人"), lambda p: p.contact_person or "—", ("contact_person",)),
        Column("phone", _("联系电话"), lambda p: p.phone or "—"),
        Column("rating", _("评估等级"), lambda p: p.get_rating_display() or "—", ("rating",)),
        Column("awards", _("中标数"), lambda p: p.award_count, ("award_count",), "money"),
    ]


def project_columns() -> list[Column]:
    return [
        Column("name", _("项目名称"), lambda p: link(p.get_absolute_url(), p.name), ("name",)),
        Column("field", _("服务领域"), lambda p: p.get_service_field_display(), ("service_field",)),
        Column("department", _("服务科室"), lambda p: p.department or "—", ("department",)),
        Column(
            "owner",
            _("项目负责人"),
            lambda p: str(p.owner) if p.owner else "—",
            ("owner__username",),
        ),
        Column("awards", _("中标数"), lambda p: p.award_count, ("award_count",), "money"),
    ]


def award_columns() -> list[Column]:
    return [
        Column(
            "project",
            _("服务项目"),
            lambda a: link(a.get_absolute_url(), a.project.name),
            ("project__name",),
        ),
        Column("provider", _("中标机构"), lambda a: a.provider.name, ("provider__name",)),
        Column(
            "method",
            _("采购方式"),
            lambda a: a.get_procurement_method_display(),
            ("procurement_method",),
        ),
        Column("award_date", _("中标日期"), lambda a: f"{a.award_date:%Y-%m-%d}", ("award_date",)),
        Column("term", _("中标期（月）"), lambda a: a.term_months, ("term_months",), "money"),
        Column(
            "amount",
            _("中标金额（万元/年）"),
            lambda a: wan(a.annual_amount),
            ("annual_amount",),
            "money",
        ),
        Column("contracts", _("合同数"), lambda a: a.contract_count, ("contract_count",), "money"),
    ]

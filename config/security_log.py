"""The security audit log's page and its Excel export, for the audit administrator (审计管理员).

The log itself lives in the accounts app (accounts/audit.py); the page is here because it
reuses the list and export machinery of the contracts app, which accounts may not import.

The export declares its sheet's columns one a line (core/exports.py writes it), as every
export does, so exports read alike.
"""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SecurityEvent
from accounts.selectors import security_event_list
from core import exports, listing
from core.filters import SEARCH_WIDGET, ListFilterSet
from core.views import ExportView, ListPageView

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class SecurityEventFilter(ListFilterSet):
    search_fields = (
        "username__icontains",
        "ip_address__startswith",
        "detail__icontains",
        "path__icontains",
    )
    q = django_filters.CharFilter(
        label=_("用户名/地址/内容"), method="search", widget=SEARCH_WIDGET
    )
    kind = django_filters.ChoiceFilter(label=_("事件"), choices=SecurityEvent.Kind.choices)
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="created_at__date", lookup_expr="gte", widget=DATE_WIDGET
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="created_at__date", lookup_expr="lte", widget=DATE_WIDGET
    )

    class Meta:
        model = SecurityEvent
        fields = []


def _when(event) -> str:
    return timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S")


def event_columns() -> list[listing.Column]:
    return [
        listing.Column("seq", _("序号"), lambda e: e.seq, ("seq",)),
        listing.Column("time", _("时间"), _when, ("created_at", "seq")),
        listing.Column("kind", _("事件"), lambda e: e.get_kind_display(), ("kind",)),
        listing.Column("user", _("用户名"), lambda e: e.username or "—", ("username",)),
        listing.Column("bureau", _("单位"), lambda e: e.bureau or "—"),
        listing.Column("ip", _("来源地址"), lambda e: e.ip_address or "—", ("ip_address",)),
        listing.Column("path", _("地址"), lambda e: e.path),
        listing.Column("detail", _("内容"), lambda e: e.detail),
    ]


class SecurityLogView(ListPageView):
    permission_required = "accounts.view_securityevent"
    selector = staticmethod(security_event_list)
    columns = staticmethod(event_columns)
    filterset_class = SecurityEventFilter
    title = _("安全审计日志")
    table_id = "security-log"
    empty_text = _("没有符合条件的审计记录。")
    default_sort = "-seq"
    export_url = "security-log-export"
    per_page = 50


class SecurityLogExportView(ExportView):
    permission_required = "accounts.view_securityevent"
    filterset_class = SecurityEventFilter
    filename = _("安全审计日志")

    def get_queryset(self):
        return security_event_list(user=self.request.user).order_by("seq")

    def build(self, queryset, filters):
        workbook = exports.Workbook()
        C = exports.Column
        exports.add_sheet(
            workbook,
            str(_("安全审计日志")),
            [
                C(_("序号"), 8),
                C(_("时间"), 20, "yyyy-mm-dd hh:mm:ss"),
                C(_("事件"), 14),
                C(_("用户名"), 14),
                C(_("单位"), 22),
                C(_("来源地址"), 16),
                C(_("地址"), 30),
                C(_("内容"), 50),
                C(_("摘要"), 20),
            ],
            (
                [
                    e.seq,
                    e.created_at,
                    e.get_kind_display(),
                    e.username,
                    str(e.bureau or ""),
                    e.ip_address or "",
                    e.path,
                    e.detail,
                    e.hash,
                ]
                for e in queryset.iterator(chunk_size=2000)
            ),
            first=True,
        )
        return workbook

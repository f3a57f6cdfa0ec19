"""Pages of the performance cycle: targets, monitoring rounds and their table, result
rules and effects, the provider's record. Thin: each page reads through evaluations.cycle
and each form posts to one of its services; a service's ValidationError is shown as a
message on the page it came from."""

import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.selectors import bureau_scope
from contracts.models import Project
from core import exports
from core.exports import Column
from core.views import PermissionMixin
from evaluations import cycle, monitoring_table
from evaluations.models import Comparator, ResultRule, TargetIndicator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _decimal(text: str | None, field: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError({field: _("请输入数字。")}) from exc


def _year(text: str | None) -> int:
    text = (text or "").strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ValidationError({"year": _("请输入年度（2000-2100）。")})
    return int(text)


def _date(text: str | None, field: str) -> datetime.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError({field: _("请输入日期（YYYY-MM-DD）。")}) from exc


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class ActionView(PermissionMixin, View):
    """A POST that calls one service, then goes back to the page with a message."""

    success_message = ""

    def act(self, request, **kwargs):  # pragma: no cover - every action defines it
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            url = self.act(request, **kwargs)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
            url = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(
                url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                url = "/"
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return HttpResponseRedirect(url)


# --- targets -----------------------------------------------------------------------------


class TargetListView(PermissionMixin, TemplateView):
    permission_required = "evaluations.view_performancetarget"
    template_name = "evaluations/cycle/target_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "targets": list(cycle.target_list(user=user)),
            "projects": list(Project.objects.filter(bureau_scope(user=user)).order_by("name")),
            "can_declare": user.has_perm("evaluations.add_performancetarget"),
        }


class TargetDeclareView(ActionView):
    permission_required = "evaluations.add_performancetarget"
    success_message = gettext_lazy("已根据产出指标和评价模板生成绩效目标。")

    def act(self, request):
        chosen = request.POST.get("project", "")
        project = get_object_or_404(
            Project.objects.filter(bureau_scope(user=request.user)),
            pk=int(chosen) if chosen.isdigit() else 0,
        )
        year = _year(request.POST.get("year"))
        target = cycle.target_declare(actor=request.user, project=project, year=year)
        return target.get_absolute_url()


class TargetDetailView(PermissionMixin, TemplateView):
    permission_required = "evaluations.view_performancetarget"
    template_name = "evaluations/cycle/target_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        target = cycle.target_get(user=user, pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "object": target,
            "indicators": cycle.indicators_of(target),
            "goals": cycle.goals_of(target),
            "comparators": Comparator.choices,
            "can_approve": target.status == "draft" and user.has_perm("evaluations.approve_target"),
            "can_edit": target.status == "draft"
            and user.has_perm("evaluations.change_targetindicator"),
            "can_adjust": target.status == "approved"
            and user.has_perm("evaluations.add_targetadjustment"),
        }


class TargetApproveView(ActionView):
    permission_required = "evaluations.approve_target"
    success_message = gettext_lazy("绩效目标已审定，此后变更须以调整方式登记。")

    def act(self, request, pk):
        target = cycle.target_get(user=request.user, pk=pk)
        cycle.target_approve(actor=request.user, target=target)
        return target.get_absolute_url()


def _indicator(user, pk) -> TargetIndicator:
    indicator = get_object_or_404(
        TargetIndicator.objects.select_related("target"),
        pk=pk,
    )
    cycle.target_get(user=user, pk=indicator.target_id)  # 404 outside the user's bureau
    return indicator


class TargetIndicatorSetView(ActionView):
    permission_required = "evaluations.change_targetindicator"
    success_message = gettext_lazy("指标已修改。")

    def act(self, request, pk):
        indicator = _indicator(request.user, pk)
        value = _decimal(request.POST.get("value"), "value")
        if value is None:
            raise ValidationError({"value": _("请填写指标值。")})
        cycle.target_indicator_set(
            actor=request.user,
            indicator=indicator,
            value=value,
            comparator=request.POST.get("comparator") or indicator.comparator,
            unit=request.POST.get("unit", indicator.unit),
        )
        return indicator.target.get_absolute_url()


class TargetAdjustView(ActionView):
    permission_required = "evaluations.add_targetadjustment"
    success_message = gettext_lazy("已登记目标调整。")

    def act(self, request, pk):
        indicator = _indicator(request.user, pk)
        value = _decimal(request.POST.get("new_value"), "new_value")
        on = _date(request.POST.get("dated_on"), "dated_on")
        if value is None or on is None:
            raise ValidationError(_("请填写新指标值和调整日期。"))
        cycle.target_adjust(
            actor=request.user,
            indicator=indicator,
            new_value=value,
            dated_on=on,
            reason=request.POST.get("reason", ""),
        )
        return indicator.target.get_absolute_url()


# --- monitoring rounds -------------------------------------------------------------------


class RoundListView(PermissionMixin, TemplateView):
    permission_required = "evaluations.view_monitoringround"
    template_name = "evaluations/cycle/round_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        return {
            **super().get_context_data(**kwargs),
            "rounds": list(cycle.round_list(user=user)),
            "can_open": user.has_perm("evaluations.add_monitoringround"),
            "default_year": today.year,
        }


class RoundOpenView(ActionView):
    permission_required = "evaluations.add_monitoringround"
    success_message = gettext_lazy("已发起运行监控。")

    def act(self, request):
        year = _year(request.POST.get("year"))
        cut_off = _date(request.POST.get("cut_off"), "cut_off")
        monitoring = cycle.round_open(
            actor=request.user, bureau=request.user.bureau, year=year, cut_off=cut_off
        )
        return monitoring.get_absolute_url()


class RoundDetailView(PermissionMixin, TemplateView):
    permission_required = "evaluations.view_monitoringround"
    template_name = "evaluations/cycle/round_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        monitoring = cycle.round_get(user=user, pk=self.kwargs["pk"])
        editable = monitoring.is_editable
        return {
            **super().get_context_data(**kwargs),
            "object": monitoring,
            "entries": cycle.round_view(monitoring),
            "period": monitoring_table.period_of(monitoring),
            "can_explain": editable and user.has_perm("evaluations.change_monitoringline"),
            "can_refresh": editable and user.has_perm("evaluations.change_monitoringround"),
            "can_approve": editable and user.has_perm("evaluations.approve_target"),
            "can_reopen": not editable and user.has_perm("evaluations.approve_target"),
        }


class RoundRefreshView(ActionView):
    permission_required = "evaluations.change_monitoringround"
    success_message = gettext_lazy("已按记录重新计算。")

    def act(self, request, pk):
        monitoring = cycle.round_get(user=request.user, pk=pk)
        cycle.round_refresh(actor=request.user, monitoring=monitoring)
        return monitoring.get_absolute_url()


class RoundApproveView(ActionView):
    permission_required = "evaluations.approve_target"
    success_message = gettext_lazy("监控已审定，数据已冻结。")

    def act(self, request, pk):
        monitoring = cycle.round_get(user=request.user, pk=pk)
        cycle.round_approve(actor=request.user, monitoring=monitoring)
        return monitoring.get_absolute_url()


class RoundReopenView(ActionView):
    permission_required = "evaluations.approve_target"
    success_message = gettext_lazy("监控已重新打开。")

    def act(self, request, pk):
        monitoring = cycle.round_get(user=request.user, pk=pk)
        cycle.round_reopen(
            actor=request.user, monitoring=monitoring, reason=request.POST.get("reason", "")
        )
        return monitoring.get_absolute_url()


class LineExplainView(ActionView):
    permission_required = "evaluations.change_monitoringline"
    success_message = gettext_lazy("已保存偏差原因和纠偏措施。")

    def act(self, request, pk):
        line = cycle.line_get(user=request.user, pk=pk)
        cycle.line_explain(
            actor=request.user,
            line=line,
            expected=_decimal(request.POST.get("expected"), "expected"),
            cause=request.POST.get("cause", ""),
            measure=request.POST.get("measure", ""),
        )
        return line.entry.round.get_absolute_url() + f"#line-{line.pk}"


class EntryExplainView(ActionView):
    permission_required = "evaluations.change_monitoringproject"
    success_message = gettext_lazy("已保存资金偏差原因和纠偏措施。")

    def act(self, request, pk):
        entry = cycle.entry_get(user=request.user, pk=pk)
        cycle.entry_explain(
            actor=request.user,
            entry=entry,
            cause=request.POST.get("cause", ""),
            measure=request.POST.get("measure", ""),
        )
        return entry.round.get_absolute_url() + f"#entry-{entry.pk}"


class RoundTableView(PermissionMixin, View):
    """The monitoring table as .xlsx or .docx."""

    permission_required = "evaluations.view_monitoringround"
    kind = "xlsx"

    def get(self, request, pk):
        monitoring = cycle.round_get(user=request.user, pk=pk)
        if self.kind == "xlsx":
            content, content_type = monitoring_table.workbook(monitoring), XLSX
        else:
            content, content_type = monitoring_table.document(monitoring), DOCX
        response = HttpResponse(content, content_type=content_type)
        name = quote(f"绩效监控表-{monitoring.cut_off.isoformat()}.{self.kind}")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response


# --- result application ------------------------------------------------------------------


class RuleListView(PermissionMixin, TemplateView):
    permission_required = "evaluations.view_resultrule"
    template_name = "evaluations/cycle/rule_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "rules": list(cycle.rule_list(user=user)),
            "effects": list(cycle.effects_of(user=user)[:100]),
            "effect_choices": ResultRule.Effect.choices,
            "can_edit": user.has_perm("evaluations.add_resultrule"),
            "can_release": user.has_perm("evaluations.approve_target"),
        }


class RuleSaveView(ActionView):
    permission_required = "evaluations.add_resultrule"
    success_message = gettext_lazy("结果应用规则已保存。")

    def act(self, request):
        pk = request.POST.get("rule", "")
        rule = cycle.rule_get(user=request.user, pk=int(pk)) if pk.isdigit() else None
        cycle.rule_save(
            actor=request.user,
            rule=rule,
            grade=request.POST.get("grade", ""),
            effect=request.POST.get("effect", ""),
            percent=_decimal(request.POST.get("percent"), "percent"),
            note=request.POST.get("note", ""),
        )
        return reverse("evaluations:rule-list")


class EffectReleaseView(ActionView):
    permission_required = "evaluations.approve_target"
    success_message = gettext_lazy("已解除暂缓。")

    def act(self, request, pk):
        effect = cycle.effect_get(user=request.user, pk=pk)
        cycle.effect_release(actor=request.user, effect=effect)
        return reverse("evaluations:rule-list")


# --- the provider's record ---------------------------------------------------------------


class ProviderRecordView(PermissionMixin, TemplateView):
    permission_required = "contracts.view_provider"
    template_name = "evaluations/cycle/provider_record.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        provider = cycle.provider_get(user=user, pk=self.kwargs["pk"])
        return {
            **super().get_context_data(**kwargs),
            "record": cycle.provider_record(user=user, provider=provider),
        }


class ProviderRecordExportView(PermissionMixin, View):
    permission_required = "contracts.view_provider"

    def get(self, request, pk):
        provider = cycle.provider_get(user=request.user, pk=pk)
        record = cycle.provider_record(user=request.user, provider=provider)
        book = exports.Workbook()
        exports.add_sheet(
            book,
            _("合同"),
            [
                Column(_("合同编号"), 16),
                Column(_("服务项目"), 30),
                Column(_("合同名称"), 24),
                Column(_("服务期起"), 12, exports.DATE_FORMAT),
                Column(_("服务期止"), 12, exports.DATE_FORMAT),
                Column(_("合同金额（元）"), 16, exports.YUAN_FORMAT),
            ],
            (
                [c.number, c.award.project.name, c.title, c.start, c.end, c.amount]
                for c in record.contracts
            ),
            first=True,
        )
        exports.add_sheet(
            book,
            _("评价与评估"),
            [
                Column(_("年度"), 8),
                Column(_("类型"), 12),
                Column(_("来源"), 30),
                Column(_("服务项目"), 30),
                Column(_("得分"), 8),
                Column(_("等级"), 8),
            ],
            (
                [s["year"], s["kind"], s["source"], s["project"], s["score"], s["grade"]]
                for s in record.scores
            ),
        )
        exports.add_sheet(
            book,
            _("扣减"),
            [
                Column(_("扣减日期"), 12, exports.DATE_FORMAT),
                Column(_("合同"), 24),
                Column(_("分期"), 10),
                Column(_("依据"), 36),
                Column(_("金额（元）"), 14, exports.YUAN_FORMAT),
                Column(_("撤销日期"), 12, exports.DATE_FORMAT),
            ],
            (
                [
                    d.decided_on,
                    d.installment.contract.title,
                    d.installment.label,
                    d.basis_text,
                    d.amount,
                    d.withdrawn_on,
                ]
                for d in record.deductions
            ),
        )
        exports.add_sheet(
            book,
            _("资料迟交"),
            [
                Column(_("合同"), 24),
                Column(_("分期"), 10),
                Column(_("资料提交期限"), 14, exports.DATE_FORMAT),
                Column(_("资料交齐日期"), 14, exports.DATE_FORMAT),
                Column(_("迟交天数"), 10),
            ],
            (
                [
                    late.installment.contract.title,
                    late.installment.label,
                    late.documents_due,
                    late.received_on,
                    late.days_late,
                ]
                for late in record.late
            ),
        )
        exports.add_sheet(
            book,
            _("问题与整改"),
            [
                Column(_("年度"), 8),
                Column(_("问题"), 40),
                Column(_("建议"), 40),
                Column(_("整改期限"), 12, exports.DATE_FORMAT),
                Column(_("完成日期"), 12, exports.DATE_FORMAT),
                Column(_("整改状态"), 10),
            ],
            (
                [
                    r.finding.evaluation.year,
                    r.finding.problem,
                    r.recommendation,
                    r.due_date,
                    r.completed_on,
                    r.get_status_display(),
                ]
                for r in record.findings
            ),
        )
        return exports.workbook_response(book, f"服务机构履约档案-{provider.name}")

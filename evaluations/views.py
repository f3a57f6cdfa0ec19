"""Pages of the evaluations app and its API. Thin: selectors read, services write.

A page here declares one of core/views.py's generic pages (permission, form, title,
message, selector, and a perform() calling one service), so pages and the imports they
need read alike line for line, here and in the other apps, by design: only the declared
values differ.
"""

import logging
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView

from accounts.mixins import BureauRequiredMixin
from core import exports
from core.history import history_visible
from core.views import (
    ActionPageView,
    CreatePageView,
    EditPageView,
    ListPageView,
    PermissionMixin,
    RecordActionView,
    ScopedObjectMixin,
    ServiceFormMixin,
    TransitionMixin,
)
from evaluations import cycle, report, selectors, services, submissions
from evaluations.filters import EvaluationFilter, OutputFilter, RectificationFilter
from evaluations.forms import (
    EvaluationCreateForm,
    EvaluationNarrativeForm,
    FindingForm,
    OutputForm,
    OutputRecordForm,
    RectificationForm,
    RowScoreForm,
    StatedFigureForm,
    TransitionForm,
)
from evaluations.models import Evaluation
from evaluations.tables import evaluation_columns, output_columns, rectification_columns

logger = logging.getLogger(__name__)

E = Evaluation.Status


# --- evaluations ---------------------------------------------------------------------------


class EvaluationListView(ListPageView):
    permission_required = "evaluations.view_evaluation"
    selector = staticmethod(selectors.evaluation_list)
    columns = staticmethod(evaluation_columns)
    filterset_class = EvaluationFilter
    title = _("绩效评价")
    create_url = "evaluations:evaluation-create"
    create_permission = "evaluations.add_evaluation"
    table_id = "evaluation-table"
    empty_text = _("尚无绩效评价。")
    default_sort = "-year"


class EvaluationCreateView(BureauRequiredMixin, CreatePageView):
    permission_required = "evaluations.add_evaluation"
    form_class = EvaluationCreateForm
    title = _("新建绩效评价")
    success_message = _("绩效评价已创建，可由记录计算的指标已填入。")

    def perform(self, form):
        data = form.cleaned_data
        return services.evaluation_create(
            actor=self.request.user,
            bureau=self.request.user.bureau,
            year=data["year"],
            title=data["title"],
            kind=data["kind"],
            template=data["template"],
            grade_scale=data["grade_scale"],
            projects=list(data["projects"]),
        )


class EvaluationDetailView(ScopedObjectMixin, DetailView):
    permission_required = "evaluations.view_evaluation"
    template_name = "evaluations/evaluation_detail.html"
    object_selector = staticmethod(selectors.evaluation_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation, user = self.object, self.request.user
        table = selectors.evaluation_table(evaluation)
        stated = {r.key: r for r in table.reconciliations}
        for row in table.rows:
            row.reconciliation = stated.get(row.source)
        moves = [
            (target, label)
            for (source, target), permission in services.TRANSITIONS.items()
            if source == evaluation.status and user.has_perm(permission)
            for label in [TRANSITION_LABELS[(source, target)]]
        ]
        context.update(
            table=table,
            projects=list(evaluation.projects.all()),
            assessments=selectors.assessments_of(evaluation=evaluation),
            findings=selectors.findings_of(evaluation),
            transitions=list(evaluation.transitions.select_related("actor")),
            moves=moves,
            # What the bureau's result rules did on its approval (结果应用).
            effects=list(cycle.effects_of(user=user).filter(evaluation=evaluation)),
            # Shown for as long as it applies, not once after creation.
            outcome_warning=services.outcome_weight_warning(evaluation.kind, table.rows),
            can_edit=evaluation.is_editable and user.has_perm("evaluations.change_evaluationrow"),
            stated_form=StatedFigureForm(),
            show_history=history_visible(user),
        )
        if context["show_history"]:
            context["history"] = selectors.evaluation_history(evaluation)
        context["snapshots"] = selectors.snapshots_of(evaluation)
        if evaluation.status in report.FINAL and context["snapshots"]:
            # What the records say now against what the approval kept.
            context["differences"] = selectors.snapshot_differences(
                context["snapshots"][0].data, services.snapshot_data(evaluation, actor=user)
            )
        return context


# The label of the button that makes each move: a table, like payments' ACTION_LABELS.
TRANSITION_LABELS = {
    (E.DRAFT, E.SUBMITTED): _("提交审定"),
    (E.SUBMITTED, E.DRAFT): _("退回修改"),
    (E.SUBMITTED, E.APPROVED): _("审定通过"),
    (E.APPROVED, E.LOCKED): _("锁定归档"),
    (E.APPROVED, E.DRAFT): _("重新打开"),
}


class DraftOnlyMixin:
    """A page that changes a draft: for a submitted or approved evaluation, say so and go back."""

    def draft(self):
        return self.object.evaluation if hasattr(self.object, "evaluation") else self.object

    def get_cancel_url(self):
        return self.draft().get_absolute_url()

    def get(self, request, *args, **kwargs):
        evaluation = self.draft()
        if not evaluation.is_editable:
            messages.error(
                request,
                _("评价当前为“%(status)s”，不能再修改。")
                % {"status": evaluation.get_status_display()},
            )
            return redirect(evaluation.get_absolute_url())
        return super().get(request, *args, **kwargs)


class EvaluationActionView(RecordActionView):
    object_selector = staticmethod(selectors.evaluation_get)


class EvaluationEditView(DraftOnlyMixin, EvaluationActionView):
    permission_required = "evaluations.change_evaluation"
    form_class = EvaluationNarrativeForm
    title = _("修改评价内容")
    success_message = _("已保存。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def perform(self, form):
        return services.evaluation_update(
            actor=self.request.user, evaluation=self.object, **form.cleaned_data
        )


class EvaluationTransitionView(TransitionMixin, EvaluationActionView):
    form_class = TransitionForm
    title = _("变更状态")
    view_permission = "evaluations.view_evaluation"
    moved_message = _("评价状态已变更为“%(status)s”。")

    def transition(self, **move):
        return services.evaluation_transition(
            actor=self.request.user, evaluation=self.object, **move
        )


class EvaluationRefreshView(PermissionMixin, View):
    permission_required = "evaluations.change_evaluationrow"

    def post(self, request, pk):
        evaluation = selectors.evaluation_get(user=request.user, pk=pk)
        try:
            services.evaluation_refresh(actor=request.user, evaluation=evaluation)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已按最新记录重新计算。"))
        return redirect(evaluation.get_absolute_url())


class StatedFigureView(DraftOnlyMixin, EvaluationActionView):
    permission_required = "evaluations.change_evaluation"
    form_class = StatedFigureForm
    title = _("登记陈述数字")
    success_message = _("陈述数字已登记，将与记录核对。")

    def perform(self, form):
        services.stated_figure_set(
            actor=self.request.user, evaluation=self.object, **form.cleaned_data
        )
        return self.object


class RowScoreView(DraftOnlyMixin, ServiceFormMixin, ScopedObjectMixin, FormView):
    permission_required = "evaluations.change_evaluationrow"
    form_class = RowScoreForm
    template_name = "evaluations/row_form.html"
    success_message = _("评分已保存。")
    object_selector = staticmethod(selectors.evaluation_row_get)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["row"] = self.object
        return kwargs

    def get_initial(self):
        row = self.object
        return {
            "score": row.score,
            "actual_value": row.actual_value,
            "evidence": row.evidence,
            "override_reason": row.override_reason,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["row"] = self.object
        context["cancel_url"] = self.get_cancel_url()
        return context

    def perform(self, form):
        data = form.cleaned_data
        return services.row_score(
            actor=self.request.user,
            row=self.object,
            score=data["score"],
            evidence=data.get("evidence", ""),
            actual_value=data.get("actual_value"),
            override_reason=data.get("override_reason", ""),
        )

    def get_success_url_for(self, obj):
        return f"{obj.evaluation.get_absolute_url()}#row-{obj.pk}"


# --- findings and rectification --------------------------------------------------------------


class FindingCreateView(DraftOnlyMixin, EvaluationActionView):
    permission_required = "evaluations.add_finding"
    form_class = FindingForm
    title = _("登记问题")
    success_message = _("问题已登记。")

    def perform(self, form):
        services.finding_save(actor=self.request.user, evaluation=self.object, **form.cleaned_data)
        return self.object


class FindingUpdateView(DraftOnlyMixin, EditPageView):
    permission_required = "evaluations.change_finding"
    form_class = FindingForm
    title = _("修改问题")
    success_message = _("已保存。")
    object_selector = staticmethod(selectors.finding_get)

    def perform(self, form):
        services.finding_save(
            actor=self.request.user,
            evaluation=self.object.evaluation,
            finding=self.object,
            **form.cleaned_data,
        )
        return self.object.evaluation


class RectificationListView(ListPageView):
    """问题与整改: every recommendation of the bureau's evaluations and how it stands."""

    permission_required = "evaluations.view_rectification"
    filterset_class = RectificationFilter
    title = _("问题与整改")
    table_id = "rectification-table"
    empty_text = _("没有符合条件的问题与整改。")
    default_sort = "due_date"

    def get_queryset(self):
        return selectors.rectification_list(user=self.request.user)

    def get_columns(self):
        return rectification_columns(timezone.localdate())


class RectificationCreateView(DraftOnlyMixin, ActionPageView):
    permission_required = "evaluations.add_rectification"
    form_class = RectificationForm
    title = _("登记建议与整改")
    success_message = _("建议与整改已登记。")
    object_selector = staticmethod(selectors.finding_get)

    def perform(self, form):
        services.rectification_save(
            actor=self.request.user, finding=self.object, **form.cleaned_data
        )
        return self.object.evaluation


class RectificationUpdateView(EditPageView):
    permission_required = "evaluations.change_rectification"
    form_class = RectificationForm
    title = _("整改情况")
    success_message = _("整改情况已保存。")
    object_selector = staticmethod(selectors.rectification_get)

    def get_cancel_url(self):
        return self.object.finding.evaluation.get_absolute_url()

    def perform(self, form):
        services.rectification_save(
            actor=self.request.user,
            finding=self.object.finding,
            rectification=self.object,
            **form.cleaned_data,
        )
        return self.object.finding.evaluation


# --- outputs -------------------------------------------------------------------------------


class OutputListView(ListPageView):
    permission_required = "evaluations.view_outputindicator"
    selector = staticmethod(selectors.output_list)
    columns = staticmethod(output_columns)
    filterset_class = OutputFilter
    title = _("产出指标")
    create_url = "evaluations:output-create"
    create_permission = "evaluations.add_outputindicator"
    table_id = "output-table"
    empty_text = _("尚未登记产出指标。")
    default_sort = "-year"


class FrozenOutputMixin:
    """A page that changes an output: when an approved or locked evaluation covers its
    project-year, say so and go back (the service refuses a POST all the same)."""

    object_selector = staticmethod(selectors.output_get)

    def get_cancel_url(self):
        return reverse("evaluations:output-detail", args=[self.object.pk])

    def get_success_url_for(self, obj):
        return reverse("evaluations:output-detail", args=[self.object.pk])

    def get(self, request, *args, **kwargs):
        message = frozen_message(self.object)
        if message:
            messages.error(request, message)
            return redirect(reverse("evaluations:output-detail", args=[self.object.pk]))
        return super().get(request, *args, **kwargs)


def frozen_message(indicator) -> str:
    return services.output_frozen_message(project_id=indicator.project_id, year=indicator.year)


class OutputCreateView(CreatePageView):
    permission_required = "evaluations.add_outputindicator"
    form_class = OutputForm
    title = _("登记产出指标")
    success_message = _("产出指标已登记。")

    def perform(self, form):
        return services.output_save(actor=self.request.user, **form.cleaned_data)

    def get_success_url_for(self, obj):
        return reverse("evaluations:output-detail", args=[obj.pk])


class OutputDetailView(ScopedObjectMixin, DetailView):
    permission_required = "evaluations.view_outputindicator"
    template_name = "evaluations/output_detail.html"
    object_selector = staticmethod(selectors.output_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["actual"] = selectors.actual_of(self.object)
        context["completion"] = selectors.completion(self.object)
        context["updates"] = self.object.updates.order_by("date", "pk")
        context["record_form"] = OutputRecordForm()
        context["frozen_message"] = frozen_message(self.object)
        return context


class OutputUpdateView(FrozenOutputMixin, EditPageView):
    permission_required = "evaluations.change_outputindicator"
    form_class = OutputForm
    title = _("修改产出指标")
    success_message = _("产出指标已保存。")

    def perform(self, form):
        return services.output_save(
            actor=self.request.user, indicator=self.object, **form.cleaned_data
        )


class OutputRecordView(FrozenOutputMixin, ActionPageView):
    permission_required = "evaluations.change_outputindicator"
    form_class = OutputRecordForm
    success_message = _("已记录。")

    def get_title(self):
        return _("记录产出：%(name)s") % {"name": self.object.name}

    def perform(self, form):
        services.output_record(actor=self.request.user, indicator=self.object, **form.cleaned_data)
        return self.object


# --- the API and the dashboard ----------------------------------------------------------------


def _number(value):
    return None if value is None else f"{value:.2f}"


class EvaluationApiView(PermissionMixin, View):
    """``GET /api/v1/evaluations/<id>/``: the scored table, subtotals, total, grade, flags."""

    permission_required = "evaluations.view_evaluation"

    def get(self, request, pk):
        evaluation = selectors.evaluation_get(user=request.user, pk=pk)
        table = selectors.evaluation_table(evaluation)
        payload = {
            "id": evaluation.pk,
            "year": evaluation.year,
            "title": evaluation.title,
            "kind": evaluation.kind,
            "status": evaluation.status,
            "template": evaluation.template_name,
            "groups": [
                {
                    "name": group.name,
                    "weight": _number(group.weight),
                    "score": _number(group.score),
                    "rows": [
                        {
                            "id": row.pk,
                            "level1": row.level1,
                            "level2": row.level2,
                            "level3": row.level3,
                            "content": row.content,
                            "target_value": row.target_value,
                            "weight": _number(row.weight),
                            "actual_value": row.actual_value,
                            "score": _number(row.score),
                            "source": row.source,
                            "computed_value": _number(row.computed_value),
                            "computed_score": _number(row.computed_score),
                            "score_overridden": row.score_overridden,
                            "override_reason": row.override_reason,
                            "evidence": row.evidence,
                        }
                        for row in group.rows
                    ],
                }
                for group in table.groups
            ],
            "total": _number(table.total),
            "weight": _number(table.weight),
            "grade": table.grade,
            "reconciliation": [
                {
                    "figure": r.key,
                    "label": str(r.label),
                    "stated": _number(r.stated),
                    "computed": _number(r.computed),
                    "difference": _number(r.difference),
                    "differs": r.differs,
                    "source": r.source,
                }
                for r in table.reconciliations
            ],
            # The approved versions, each with its stored report and that file's SHA-256.
            "versions": [
                {
                    "version": s.version,
                    "approved_on": s.approved_on.isoformat(),
                    "total": s.data.get("total"),
                    "grade": s.data.get("grade"),
                    "report_sha256": s.report_sha256,
                    "report": s.get_absolute_url(),
                }
                for s in selectors.snapshots_of(evaluation)
            ],
        }
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


# --- the report and the Excel table ------------------------------------------------------------


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _stored_report(snapshot) -> HttpResponse:
    """The approved version's stored file, byte for byte; a file lost from the storage is
    a 404 and an error in the log, never a report written anew in its place."""
    try:
        with snapshot.report.open("rb") as stored:
            content = stored.read()
    except OSError:
        logger.error("stored report missing: snapshot %s, file %s", snapshot.pk, snapshot.report)
        raise Http404 from None
    response = _docx_response(
        content, f"{snapshot.evaluation.title}报告（审定版{snapshot.version}）.docx"
    )
    response["X-Report-SHA256"] = snapshot.report_sha256
    return response


class EvaluationReportView(PermissionMixin, View):
    """``GET /evaluations/<id>/report.docx``: an approved (or locked) evaluation's report is
    the file stored at its approval, byte for byte; any other is a draft generated now."""

    permission_required = "evaluations.view_evaluation"

    def get(self, request, pk):
        evaluation = selectors.evaluation_get(user=request.user, pk=pk)
        latest = selectors.snapshots_of(evaluation)[:1]
        if evaluation.status in report.FINAL and latest:
            return _stored_report(latest[0])
        content = report.build(evaluation, user=request.user)
        return _docx_response(content, f"{evaluation.title}报告（草稿）.docx")


class SnapshotReportView(PermissionMixin, View):
    """``GET /evaluations/<id>/versions/<n>/report.docx``: an approved version's stored report."""

    permission_required = "evaluations.view_evaluation"

    def get(self, request, pk, version):
        return _stored_report(selectors.snapshot_get(user=request.user, pk=pk, version=version))


class EvaluationExportView(PermissionMixin, View):
    """The scored table as Excel, with subtotals, total, grade and the reconciliation."""

    permission_required = "evaluations.view_evaluation"

    def get(self, request, pk):
        evaluation = selectors.evaluation_get(user=request.user, pk=pk)
        table = selectors.evaluation_table(evaluation)
        C = exports.Column
        workbook = exports.Workbook()
        rows = []
        for group in table.groups:
            rows += [
                [
                    r.level1,
                    r.level2,
                    r.level3,
                    r.content,
                    r.target_value,
                    r.weight,
                    r.actual_value,
                    r.score,
                    r.computed_value,
                    r.computed_score,
                    r.override_reason if r.score_overridden else "",
                    r.get_source_display(),
                    r.computed_note,
                    r.evidence,
                ]
                for r in group.rows
            ]
            rows.append(
                [_("%(name)s小计") % {"name": group.name}, "", "", "", "", group.weight, ""]
                + [group.score]
                + [""] * 6
            )
        rows.append(
            [_("合计"), "", "", "", "", table.weight, _("等级：%(grade)s") % {"grade": table.grade}]
            + [table.total]
            + [""] * 6
        )
        sheet = exports.add_sheet(
            workbook,
            str(_("评分表")),
            [
                C(_("一级指标"), 10),
                C(_("二级指标"), 12),
                C(_("三级指标"), 22),
                C(_("指标内容"), 40),
                C(_("指标值"), 18),
                C(_("分值"), 8, "0.00"),
                C(_("实际完成值"), 16),
                C(_("评价得分"), 10, "0.00"),
                C(_("计算值（%）"), 10, "0.00"),
                C(_("计算得分"), 10, "0.00"),
                C(_("调整理由"), 40),
                C(_("数据来源"), 20),
                C(_("计算依据"), 40),
                C(_("评分依据"), 40),
            ],
            rows,
            first=True,
        )
        # Subtotals sit between the groups' rows: a filter over them would sort or hide
        # them among the indicators, so this sheet has none.
        sheet.auto_filter.ref = None
        for row in sheet.iter_rows(min_row=2):
            if str(row[0].value).endswith(str(_("小计"))) or row[0].value == str(_("合计")):
                for cell in row:
                    cell.font = exports.Font(bold=True)
        exports.add_sheet(
            workbook,
            str(_("数字核对")),
            [
                C(_("数字"), 20),
                C(_("陈述值"), 12, "0.00"),
                C(_("记录计算值"), 14, "0.00"),
                C(_("出处"), 50),
                C(_("是否一致"), 10),
            ],
            (
                [
                    r.label,
                    r.stated,
                    r.computed,
                    r.source,
                    str(_("不一致")) if r.differs else str(_("一致")),
                ]
                for r in table.reconciliations
            ),
        )
        return exports.workbook_response(workbook, evaluation.title)


# --- service reports and rectification answers from the provider's portal ------------------


class ServiceReportDetailView(PermissionMixin, View):
    """A service report the provider handed in, for staff to verify or return."""

    permission_required = "evaluations.view_outputindicator"

    def get(self, request, pk):
        from django.shortcuts import render

        report = selectors.service_report_get(user=request.user, pk=pk)
        return render(request, "evaluations/service_report_detail.html", {"report": report})


class SubmissionDecisionView(PermissionMixin, View):
    """A POST deciding on something the provider handed in; errors come back as messages."""

    def decide(self, request, pk):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def post(self, request, pk):
        try:
            target, message = self.decide(request, pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(request.META.get("HTTP_REFERER") or "home")
        messages.success(request, message)
        return redirect(target)


class ServiceReportVerifyView(SubmissionDecisionView):
    permission_required = "evaluations.change_outputindicator"

    def decide(self, request, pk):
        report = selectors.service_report_get(user=request.user, pk=pk)
        submissions.service_report_verify(actor=request.user, report=report)
        return report.get_absolute_url(), _("服务报告已核实，产出已计入。")


class ServiceReportReturnView(SubmissionDecisionView):
    permission_required = "evaluations.change_outputindicator"

    def decide(self, request, pk):
        report = selectors.service_report_get(user=request.user, pk=pk)
        submissions.service_report_return(
            actor=request.user, report=report, reason=request.POST.get("reason", "")
        )
        return report.get_absolute_url(), _("服务报告已退回。")


class RectificationCloseView(SubmissionDecisionView):
    permission_required = "evaluations.change_rectification"

    def decide(self, request, pk):
        response = selectors.response_get(user=request.user, pk=pk)
        submissions.rectification_close(
            actor=request.user, response=response, note=request.POST.get("note", "")
        )
        evaluation = response.rectification.finding.evaluation
        return evaluation.get_absolute_url(), _("已确认整改完成。")


class RectificationReopenView(SubmissionDecisionView):
    permission_required = "evaluations.change_rectification"

    def decide(self, request, pk):
        response = selectors.response_get(user=request.user, pk=pk)
        submissions.rectification_reopen(
            actor=request.user, response=response, note=request.POST.get("note", "")
        )
        evaluation = response.rectification.finding.evaluation
        return evaluation.get_absolute_url(), _("已退回服务机构继续整改。")


class EvidenceFileView(View):
    """An evidence file, served as the payment documents' files are (checked type,
    inline for PDF and images, no sniffing, sandboxed)."""

    def get(self, request, pk):
        from django.http import FileResponse

        from payments import uploads

        record = selectors.evidence_file_get(user=request.user, pk=pk)
        kind = uploads.KINDS.get(record.content_type)
        if kind is None:
            raise Http404
        try:
            handle = record.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=not kind.inline,
            filename=record.original_name,
            content_type=kind.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["Cache-Control"] = "private, no-store"
        return response

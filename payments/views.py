"""Pages of the payments app and the execution API. Thin: selectors read, services write.

A page here declares one of core/views.py's generic pages (permission, form, title,
message, selector, and a perform() calling one service), so pages and the imports they
need read alike line for line, here and in the other apps, by design: only the declared
values differ (a list page's selector, columns, filters and texts; a detail page's
selector and template). Contexts are built with keyword calls, one name a line, which
read like any other keyword call of the project (a service called by the demo).
"""

import datetime
import hashlib
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts import caching, panels
from accounts.mixins import BureauRequiredMixin
from contracts import selectors as contract_selectors
from core import exports
from core.history import history_visible
from core.inputs import FIRST_YEAR, LAST_YEAR
from core.money import to_wan, to_yuan
from core.views import (
    ActionPageView,
    CreatePageView,
    EditPageView,
    ExportView,
    ListPageView,
    PermissionMixin,
    RecordActionView,
    RecordDetailView,
    ScopedObjectMixin,
    ServiceFormMixin,
    TransitionMixin,
    add_service_errors,
)
from payments import selectors, services
from payments.filters import (
    AuditFilter,
    BudgetFilter,
    DeductionFilter,
    InstallmentFilter,
    PaymentFilter,
)
from payments.forms import (
    AuditForm,
    BudgetEventForm,
    BudgetEventReverseForm,
    BudgetForm,
    BudgetNoteForm,
    CheckpointForm,
    DeductionForm,
    DeductionWithdrawForm,
    DocumentAcceptForm,
    DocumentAddForm,
    DocumentReceiveForm,
    DocumentReturnForm,
    DocumentUploadForm,
    ExecutionQueryForm,
    FiscalYearCloseForm,
    InstallmentDetailsForm,
    PaymentForm,
    ReminderSettingsForm,
    ReversalForm,
    ScheduleFormSet,
    ScheduleTemplateForm,
    TransitionForm,
)
from payments.models import (
    BudgetEvent,
    Installment,
    Notification,
    ProgressCheckpoint,
    ReminderSettings,
    RequiredDocument,
)
from payments.reminders import inbox
from payments.tables import (
    audit_columns,
    budget_columns,
    deduction_columns,
    installment_columns,
    payment_columns,
)

# --- the dashboard and the API -------------------------------------------------------------

logger = logging.getLogger(__name__)


def _execution_params(request, years=None):
    """(year, as_of, form) from the query string; the form carries any error."""
    form = ExecutionQueryForm(request.GET or None)
    year, as_of = form.chosen()
    year = year or selectors.default_year(user=request.user, years=years)
    if as_of is None:
        as_of = min(timezone.localdate(), datetime.date(year, 12, 31))
    return year, as_of, form


class DashboardView(PermissionMixin, TemplateView):
    """The execution dashboard: the manager's home page, open to finance and auditors.

    Its body is rendered once per version of the records it shows and then served from the
    cache; the figures are lazy, so a cached page computes none of them.
    """

    permission_required = "payments.view_dashboard"
    template_name = "payments/dashboard.html"

    def get(self, request, *args, **kwargs):
        """Serve the whole page from the cache when nothing it shows has changed.

        The login and the permission are checked first, on every request (dispatch). The
        page is cached per user, browser (the CSRF secret: the page's forms carry a token
        made from it), query, language and day, and stored with what else it shows: the
        version of the user's roles, the version of the records in their scope and the
        version of their notifications (the unread count). It is served only while all
        three are still current, read in the same round trip as the page. A page with
        messages to show, or with errors in its query, is never cached.
        """
        lookup = self._page_lookup()
        if lookup is None:
            return super().get(request, *args, **kwargs)
        if lookup.hit is not None:
            return HttpResponse(lookup.hit)
        response = super().get(request, *args, **kwargs)
        response.add_post_render_callback(lambda rendered: lookup.store(rendered.content))
        return response

    def _page_lookup(self) -> caching.PageLookup | None:
        """The page's cache entry (accounts/caching.py: dashboard-page), or None when this
        request's page is not to be cached."""
        request, user = self.request, self.request.user
        secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        access = getattr(user, "access_version", None)
        if not secret or not access or len(messages.get_messages(request)):
            return None
        self.params = _execution_params(request)
        year, as_of, form = self.params
        if form.errors:
            return None
        lookup = caching.dashboard_page(
            user=user,
            parts=[
                hashlib.sha256(secret.encode()).hexdigest()[:16],
                request.get_full_path(),
                translation.get_language() or "",
                str(timezone.localdate()),
            ],
            stamp=lambda scope: (self.fragment_key(year, as_of, scope=scope),),
        )
        self.scope = lookup.scope
        return lookup

    def fragment_key(self, year, as_of, *, scope: str | None = None) -> str:
        """The rendered figures are cached with the version of the records they show."""
        scope = (
            scope or getattr(self, "scope", None) or caching.scope_version(user=self.request.user)
        )
        return caching.dashboard_figures_key(
            scope=scope, year=year, as_of=as_of, today=timezone.localdate()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        years = SimpleLazyObject(lambda: selectors.budget_years(user=user))
        year, as_of, form = getattr(self, "params", None) or _execution_params(self.request, years)

        def checkpoints():
            return selectors.checkpoints_of(bureau=user.bureau, year=year)

        report = SimpleLazyObject(
            lambda: selectors.execution(
                user=user, year=year, as_of=as_of, checkpoints=checkpoints()
            )
        )
        context.update(
            form=form,
            year=year,
            as_of=as_of,
            years=years,
            report=report,
            late=SimpleLazyObject(
                lambda: selectors.late_installments(user=user, year=year, as_of=as_of)
            ),
            # A callable (the template calls it): json_script needs the real dict.
            chart=lambda: _chart(
                report,
                selectors.progress_line(bureau=user.bureau, year=year, checkpoints=checkpoints()),
            ),
            urgent=SimpleLazyObject(lambda: inbox.urgent_notices(user=user)),
            urgent_days=lambda: inbox.urgent_days(inbox.urgent_notices(user=user)),
            fragment_key=self.fragment_key(year, as_of),
            # Other apps' panels (accounts/panels.py), rendered inside the cached fragment.
            panels=panels.bound("payments:dashboard", request=self.request, year=year, as_of=as_of),
        )
        return context


def _chart(report, target_line) -> dict:
    """The chart's series: cumulative execution rate by month against time progress."""
    issued = report.total.issued
    cumulative = report.cumulative_paid
    return {
        "labels": [str(_("%(m)s月") % {"m": m}) for m in range(1, 13)],
        "paid_rate": [
            None if v is None or not issued else float(v * 100 / issued) for v in cumulative
        ],
        "paid_wan": [None if v is None else float(to_wan(v)) for v in cumulative],
        "target": [float(v) for v in target_line],
        "paid_label": str(_("累计执行率（%）")),
        "target_label": str(_("序时进度（%）")),
    }


def _money(value):
    return None if value is None else f"{value:.2f}"


def _row_json(row) -> dict:
    return {
        "issued": _money(row.issued),
        "full_year_budget": _money(row.full_year),
        "initial_budget": _money(row.initial),
        "paid": _money(row.paid),
        "deducted": _money(row.deducted),
        "scheduled": _money(row.scheduled),
        "late": _money(row.late),
        "execution_rate": _money(row.rate),
        "execution_rate_full_year_budget": _money(row.rate_full_year),
        "projected_rate": _money(row.projected_rate),
        "funds_in_place_rate": _money(row.funds_in_place_rate),
    }


class ExecutionApiView(PermissionMixin, View):
    """``GET /api/v1/execution/?year=YYYY[&as_of=YYYY-MM-DD]``: the bureau's execution.

    Amounts are decimal strings in yuan; rates are percentages with two decimals. The
    dashboard's own permission: a role the dashboard page refuses (staff) is refused the
    same figures here, so a page and the API answer one question the same way.
    """

    permission_required = "payments.view_dashboard"

    def get(self, request):
        form = ExecutionQueryForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            return JsonResponse({"error": _("参数有误"), "errors": errors}, status=400)
        year, as_of, _form = _execution_params(request)
        report = selectors.execution(user=request.user, year=year, as_of=as_of)
        late = selectors.late_installments(user=request.user, year=year, as_of=as_of)
        payload = {
            "year": year,
            "as_of": as_of.isoformat(),
            "currency": "CNY",
            "unit": "yuan",
            "denominator": "issued",
            "denominator_label": str(_("实际下达预算（实际到位资金）")),
            **_row_json(report.total),
            "time_progress_target": _money(report.target.percent),
            "time_progress_source": report.target.source,
            "gap_percentage_points": _money(report.gap),
            "arrears": _money(report.arrears),
            "late_total": _money(report.late_total),
            "grouped_by": report.grouped_by,
            "rows": [{"id": row.key, "name": row.name, **_row_json(row)} for row in report.rows],
            "late_installments": [
                {
                    "id": i.pk,
                    "contract": i.contract.number,
                    "project": i.contract.award.project.name,
                    "installment": i.label,
                    "due_date": i.due_date.isoformat(),
                    "days_late": i.days_late,
                    "arrears": i.arrears,
                    "outstanding": _money(i.outstanding),
                    "delay_reason": i.delay_reason,
                    "url": request.build_absolute_uri(i.get_absolute_url()),
                }
                for i in late
            ],
        }
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


# --- installments ---------------------------------------------------------------------------


class InstallmentListView(ListPageView):
    permission_required = "payments.view_installment"
    filterset_class = InstallmentFilter
    title = _("分期款")
    export_url = "payments:installment-export"
    table_id = "installment-table"
    empty_text = _("没有符合条件的分期款。")
    default_sort = "due_date"

    def get_queryset(self):
        # Amounts are added for the page's rows only (decorate), not for counting.
        return selectors.installment_rows(user=self.request.user)

    def decorate(self, records):
        return selectors.with_amounts_of(records)

    def totals_queryset(self, queryset):
        return selectors.with_amounts(Installment.objects.filter(pk__in=queryset.values("pk")))

    def get_columns(self):
        return installment_columns(timezone.localdate())


class InstallmentDetailView(ScopedObjectMixin, DetailView):
    permission_required = "payments.view_installment"
    template_name = "payments/installment_detail.html"
    object_selector = staticmethod(selectors.installment_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, installment = self.request.user, self.object
        installment.days_late = selectors.days_late(installment)
        context.update(
            moves=services.allowed_moves(installment, user),
            transition_form=TransitionForm(),
            documents=list(installment.documents.all()),
            gates=list(installment.gates.all()),
            deductions=list(installment.deductions.select_related("audit", "recorded_by")),
            payments=list(installment.payments.select_related("posted_by", "reverses")),
            transitions=list(installment.transitions.select_related("actor")),
            show_history=history_visible(user),
        )
        if context["show_history"]:
            context["history"] = selectors.installment_history(installment)
        if (
            user.has_perm("payments.add_payment")
            and installment.status == Installment.Status.APPROVED
        ):
            form = PaymentForm()
            form.fields["amount"].initial = to_yuan(installment.outstanding)
            context["payment_form"] = form
        if user.has_perm("payments.add_payment"):
            context["reversal_form"] = ReversalForm()
        if user.has_perm("payments.add_deduction") and installment.is_open:
            context["deduction_form"] = DeductionForm(user=user)
        if user.has_perm("payments.change_installment"):
            context["details_form"] = InstallmentDetailsForm(
                user=user,
                initial={
                    "delay_reason": installment.delay_reason,
                    "documents_due": installment.documents_due,
                    "gates": context["gates"],
                },
            )
        # The files the provider handed in, with accept/return (includes/document_files.html).
        context["file_documents"] = selectors.documents_with_files([installment]).get(
            installment.pk, []
        )
        if user.has_perm("payments.change_requireddocument"):
            context["receive_form"] = DocumentReceiveForm(
                initial={"received_on": timezone.localdate()}
            )
            context["document_form"] = DocumentAddForm()
            context["missing_documents"] = sum(
                1 for d in context["documents"] if d.received_on is None
            )
        return context


class InstallmentActionView(RecordActionView):
    """A POST that acts on one installment; errors re-render the form on its own page."""

    object_selector = staticmethod(selectors.installment_get)


class InstallmentTransitionView(TransitionMixin, InstallmentActionView):
    form_class = TransitionForm
    title = _("变更状态")
    view_permission = "payments.view_installment"
    moved_message = _("状态已变更为“%(status)s”。")

    def perform(self, form):
        # The day the step happened (业务日期), which the shared transition form lacks.
        self.business_day = form.cleaned_data["on"]
        return super().perform(form)

    def transition(self, **move):
        return services.installment_transition(
            actor=self.request.user, installment=self.object, on=self.business_day, **move
        )


class InstallmentDetailsView(InstallmentActionView):
    permission_required = "payments.change_installment"
    form_class = InstallmentDetailsForm
    title = _("付款跟踪信息")

    def get_initial(self):
        return {
            "delay_reason": self.object.delay_reason,
            "documents_due": self.object.documents_due,
            "gates": list(self.object.gates.all()),
        }

    def perform(self, form):
        data = form.cleaned_data
        services.installment_set_details(
            actor=self.request.user,
            installment=self.object,
            delay_reason=data["delay_reason"],
            documents_due=data["documents_due"],
            gates=list(data["gates"]),
        )
        messages.success(self.request, _("已保存。"))
        return self.object


class DocumentAddView(InstallmentActionView):
    permission_required = "payments.add_requireddocument"
    form_class = DocumentAddForm
    title = _("添加付款资料")

    def perform(self, form):
        services.document_add(actor=self.request.user, installment=self.object, **form.cleaned_data)
        messages.success(self.request, _("资料已添加到清单。"))
        return self.object


class DocumentReceiveView(CreatePageView):
    permission_required = "payments.change_requireddocument"
    form_class = DocumentReceiveForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = get_object_or_404(
                RequiredDocument.objects.select_related("installment"),
                pk=kwargs["pk"],
                installment__in=selectors.installment_list(user=request.user).values("pk"),
            )
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("收到资料：%(document)s") % {"document": self.document.title}

    def get_cancel_url(self):
        return self.document.installment.get_absolute_url()

    def perform(self, form):
        services.document_receive(
            actor=self.request.user, document=self.document, **form.cleaned_data
        )
        messages.success(self.request, _("资料收到日期已保存。"))
        return self.document.installment


class DocumentsReceiveAllView(InstallmentActionView):
    """全部收到: one date for every document of the installment still missing."""

    permission_required = "payments.change_requireddocument"
    form_class = DocumentReceiveForm
    title = _("资料全部收到")

    def perform(self, form):
        received = services.documents_receive_all(
            actor=self.request.user,
            installment=self.object,
            received_on=form.cleaned_data["received_on"] or timezone.localdate(),
        )
        messages.success(
            self.request, _("已登记收到 %(count)s 项资料。") % {"count": len(received)}
        )
        return self.object


class DocumentDecisionView(CreatePageView):
    """Staff accept or return the files handed in for one required document."""

    permission_required = "payments.review_documentfile"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = selectors.document_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_cancel_url(self):
        return self.document.installment.get_absolute_url()


class DocumentAcceptView(DocumentDecisionView):
    form_class = DocumentAcceptForm

    def get_title(self):
        return _("接收资料：%(document)s") % {"document": self.document.title}

    def perform(self, form):
        services.document_accept(
            actor=self.request.user, document=self.document, **form.cleaned_data
        )
        messages.success(self.request, _("资料已接收。"))
        return self.document.installment


class DocumentReturnView(DocumentDecisionView):
    form_class = DocumentReturnForm

    def get_title(self):
        return _("退回资料：%(document)s") % {"document": self.document.title}

    def perform(self, form):
        services.document_return(
            actor=self.request.user, document=self.document, **form.cleaned_data
        )
        messages.success(self.request, _("资料已退回，服务机构将看到退回原因。"))
        return self.document.installment


class DocumentUploadView(CreatePageView):
    """The bureau's people hand in a file for the provider (a scanned paper copy)."""

    permission_required = "payments.change_requireddocument"
    form_class = DocumentUploadForm
    multipart = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = selectors.document_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("上传资料文件：%(document)s") % {"document": self.document.title}

    def get_cancel_url(self):
        return self.document.installment.get_absolute_url()

    def perform(self, form):
        services.document_file_upload(
            actor=self.request.user, document=self.document, upload=form.cleaned_data["file"]
        )
        messages.success(self.request, _("文件已上传。"))
        return self.document.installment


class DocumentFileView(View):
    """One document file: PDF and images previewed inline, OFD downloaded; never served
    as anything the browser would run (the type is the checked one, sniffing off, and
    a sandboxing content policy)."""

    def get(self, request, pk):
        from payments import uploads

        record = selectors.document_file_get(user=request.user, pk=pk)
        kind = uploads.KINDS.get(record.content_type)
        if kind is None:
            raise Http404
        try:
            handle = record.file.open("rb")
        except FileNotFoundError:
            logger.error("document file %s missing from the storage", record.pk)
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=not kind.inline,
            filename=record.original_name,
            content_type=kind.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = (
            "sandbox; default-src 'none'; img-src 'self'; object-src 'self'"
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ApprovalFormView(ScopedObjectMixin, DetailView):
    """The payment approval form (付款审批单) of an approved installment, to print."""

    permission_required = "payments.view_installment"
    template_name = "payments/approval_form.html"
    object_selector = staticmethod(selectors.installment_get)

    def get_scoped_object(self):
        installment = super().get_scoped_object()
        if installment.approved_on is None or installment.status not in (
            Installment.Status.APPROVED,
            Installment.Status.PAID,
        ):
            raise Http404
        return installment

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **selectors.approval_form(self.object)}


class ApprovalFormPdfView(ApprovalFormView):
    """The same form as PDF (LibreOffice converts the Word form)."""

    def get(self, request, *args, **kwargs):
        from payments import approval

        try:
            content = approval.approval_pdf(selectors.approval_form(self.object))
        except approval.PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(content, content_type="application/pdf")
        filename = _("付款审批单-%(number)s-%(label)s.pdf") % {
            "number": self.object.contract.number,
            "label": self.object.label,
        }
        from django.utils.http import content_disposition_header

        response["Content-Disposition"] = content_disposition_header(False, str(filename))
        return response


class DeductionCreateView(InstallmentActionView):
    permission_required = "payments.add_deduction"
    form_class = DeductionForm
    title = _("登记扣减")

    def perform(self, form):
        services.deduction_record(
            actor=self.request.user, installment=self.object, **form.cleaned_data
        )
        messages.success(self.request, _("扣减已登记。"))
        return self.object


class DeductionWithdrawView(ActionPageView):
    permission_required = "payments.change_deduction"
    form_class = DeductionWithdrawForm
    title = _("撤销扣减：%(deduction)s")
    object_selector = staticmethod(selectors.deduction_get)

    def get_cancel_url(self):
        return self.object.installment.get_absolute_url()

    def perform(self, form):
        services.deduction_withdraw(
            actor=self.request.user, deduction=self.object, **form.cleaned_data
        )
        messages.success(self.request, _("扣减已撤销。"))
        return self.object.installment


class PaymentCreateView(InstallmentActionView):
    permission_required = "payments.add_payment"
    form_class = PaymentForm
    title = _("登记付款")

    def perform(self, form):
        payment = services.payment_post(
            actor=self.request.user, installment=self.object, **form.cleaned_data
        )
        messages.success(
            self.request,
            _("已登记付款 %(amount)s 元，凭证号 %(voucher)s。")
            % {"amount": f"{payment.amount:,.2f}", "voucher": payment.voucher_number},
        )
        return self.object


class PaymentReverseView(ActionPageView):
    permission_required = "payments.add_payment"
    form_class = ReversalForm
    object_selector = staticmethod(selectors.payment_get)

    def get_title(self):
        return _("冲销支付：凭证号 %(voucher)s") % {"voucher": self.object.voucher_number}

    def get_cancel_url(self):
        return self.object.installment.get_absolute_url()

    def perform(self, form):
        services.payment_reverse(actor=self.request.user, payment=self.object, **form.cleaned_data)
        messages.success(self.request, _("已冲销。"))
        return self.object.installment


class PaymentLedgerView(ListPageView):
    permission_required = "payments.view_payment"
    selector = staticmethod(selectors.payment_list)
    columns = staticmethod(payment_columns)
    filterset_class = PaymentFilter
    title = _("支付台账")
    table_id = "payment-table"
    empty_text = _("没有符合条件的支付记录。")
    default_sort = "-paid_on"
    export_url = "payments:payment-export"


class DeductionListView(ListPageView):
    """扣减: every deduction of the bureau, withdrawn ones marked (their 合计 counts
    only what stands when the list is filtered to 已撤销: 否)."""

    permission_required = "payments.view_deduction"
    selector = staticmethod(selectors.deduction_list)
    columns = staticmethod(deduction_columns)
    filterset_class = DeductionFilter
    title = _("扣减")
    table_id = "deduction-table"
    empty_text = _("没有符合条件的扣减记录。")
    default_sort = "-decided_on"


# --- a contract's schedule ------------------------------------------------------------------


class ContractScheduleView(ScopedObjectMixin, TemplateView):
    """A contract's installment schedule: generate from a template, or edit all rows at once."""

    permission_required = "payments.add_installment"
    template_name = "payments/schedule.html"
    object_selector = staticmethod(contract_selectors.contract_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        installments = list(self.object.installments.order_by("number"))
        context.setdefault("template_form", ScheduleTemplateForm())
        context.setdefault(
            "formset",
            ScheduleFormSet(
                initial=[
                    {
                        "pk": i.pk,
                        "number": i.number,
                        "percent": i.percent,
                        "planned_amount": i.planned_amount,
                        "due_date": i.due_date,
                        "documents_due": i.documents_due,
                    }
                    for i in installments
                ]
            ),
        )
        context.setdefault("schedule_token", services.schedule_token(installments))
        context.update(
            contract=self.object,
            installments=installments,
            total=selectors.contract_schedule_total(installments),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "generate" in request.POST:
            form = ScheduleTemplateForm(request.POST)
            if form.is_valid():
                try:
                    percents = services.parse_template(form.cleaned_data["template"])
                    services.schedule_generate(
                        actor=request.user,
                        contract=self.object,
                        percents=percents,
                        due_dates=form.cleaned_data["due_dates"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(
                        request, _("已按 %(template)s 生成分期计划。") % form.cleaned_data
                    )
                    return redirect(self.object.get_absolute_url())
            return self.render_to_response(self.get_context_data(template_form=form))

        formset = ScheduleFormSet(request.POST)
        token = request.POST.get("schedule_token") or None
        if formset.is_valid():
            rows = [
                services.ScheduleRow(
                    pk=data.get("pk"),
                    number=data["number"],
                    percent=data.get("percent"),
                    planned_amount=data.get("planned_amount"),
                    due_date=data["due_date"],
                    documents_due=data.get("documents_due"),
                    delete=data.get("DELETE", False),
                )
                for data in formset.cleaned_data
                # A row added and taken out again before saving was never an installment.
                if data and not (data.get("DELETE") and data.get("pk") is None)
            ]
            try:
                services.schedule_save(
                    actor=request.user,
                    contract=self.object,
                    rows=rows,
                    token=token,
                )
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(request, _("分期计划已保存。"))
                return redirect(self.object.get_absolute_url())
        # The rows shown are the ones posted, so the fingerprint stays the one they were
        # edited from.
        return self.render_to_response(self.get_context_data(formset=formset, schedule_token=token))


# --- budgets and time progress ---------------------------------------------------------------


class BudgetListView(ListPageView):
    permission_required = "payments.view_budget"
    selector = staticmethod(selectors.budget_list)
    columns = staticmethod(budget_columns)
    filterset_class = BudgetFilter
    title = _("预算")
    create_url = "payments:budget-create"
    create_permission = "payments.add_budget"
    table_id = "budget-table"
    empty_text = _("尚未登记预算。")
    default_sort = "-year"


class BudgetDetailView(RecordDetailView):
    permission_required = "payments.view_budget"
    template_name = "payments/budget_detail.html"
    object_selector = staticmethod(selectors.budget_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["events"] = selectors.budget_events(budget=self.object)
        context["event_form"] = BudgetEventForm()
        context["effects"] = [
            (label, *BudgetEvent.EFFECTS[kind]) for kind, label in BudgetEvent.Kind.choices
        ]
        return context


class BudgetCreateView(CreatePageView):
    permission_required = "payments.add_budget"
    form_class = BudgetForm
    title = _("登记预算")
    success_message = _("预算已登记。")

    def perform(self, form):
        return services.budget_create(actor=self.request.user, **form.cleaned_data)


class BudgetUpdateView(EditPageView):
    permission_required = "payments.change_budget"
    form_class = BudgetNoteForm
    title = _("修改预算说明：%(budget)s")
    success_message = _("预算说明已保存。")
    object_selector = staticmethod(selectors.budget_get)

    def get_form_kwargs(self):
        # A plain form of the note: the figures move only by dated events.
        kwargs = super().get_form_kwargs()
        kwargs.pop("instance")
        return kwargs

    def get_initial(self):
        return {"note": self.object.note}

    def perform(self, form):
        return services.budget_update(
            actor=self.request.user, budget=self.object, note=form.cleaned_data["note"]
        )


class BudgetEventView(ActionPageView):
    permission_required = "payments.add_budgetevent"
    form_class = BudgetEventForm
    title = _("登记预算事项：%(budget)s")
    success_message = _("预算事项已登记。")
    object_selector = staticmethod(selectors.budget_get)

    def perform(self, form):
        services.budget_event_record(
            actor=self.request.user, budget=self.object, **form.cleaned_data
        )
        return self.object


class BudgetEventReverseView(ActionPageView):
    permission_required = "payments.add_budgetevent"
    form_class = BudgetEventReverseForm
    success_message = _("已冲销。")
    title = _("冲销预算事项：%(budget)s")

    def get_scoped_object(self):
        budget = selectors.budget_get(user=self.request.user, pk=self.kwargs["pk"])
        self.event = get_object_or_404(budget.events, pk=self.kwargs["event"])
        return budget

    def get_title(self):
        return f"{super().get_title()}（{self.event}）"

    def perform(self, form):
        services.budget_event_reverse(
            actor=self.request.user, event=self.event, **form.cleaned_data
        )
        return self.object


class FiscalYearCloseView(BureauRequiredMixin, ServiceFormMixin, PermissionMixin, FormView):
    """The bureau's closed fiscal years (年度结账), and closing the next one."""

    permission_required = "payments.close_fiscal_year"
    form_class = FiscalYearCloseForm
    template_name = "payments/closings.html"
    success_message = _("已办理年度结账。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["closings"] = selectors.closings_of(bureau=self.request.user.bureau)
        return context

    def perform(self, form):
        return services.fiscal_year_close(
            actor=self.request.user, bureau=self.request.user.bureau, **form.cleaned_data
        )

    def get_success_url_for(self, obj):
        return reverse("payments:closings")


class CheckpointView(BureauRequiredMixin, ServiceFormMixin, PermissionMixin, FormView):
    """A bureau's time-progress checkpoints (序时进度) for a year."""

    permission_required = "payments.add_progresscheckpoint"
    form_class = CheckpointForm
    template_name = "payments/checkpoints.html"
    success_message = _("序时进度节点已保存。")

    def year(self) -> int:
        try:
            year = int(self.request.GET.get("year") or self.request.POST.get("year"))
        except (TypeError, ValueError):
            year = None
        if year is None or not 2000 <= year <= 2100:
            return selectors.default_year(user=self.request.user)
        return year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.year()
        context.update(
            year=year,
            checkpoints=ProgressCheckpoint.objects.filter(
                bureau=self.request.user.bureau, year=year
            ),
            line=list(
                zip(
                    range(1, 13),
                    selectors.progress_line(bureau=self.request.user.bureau, year=year),
                    strict=True,
                )
            ),
        )
        return context

    def perform(self, form):
        # The year the form was opened for: a missing or invalid one is refused, never
        # replaced by another year.
        try:
            year = int(self.request.POST.get("year", ""))
        except ValueError:
            year = None
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValidationError(
                _("年度应在 %(first)s 至 %(last)s 之间。")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        services.checkpoint_set(
            actor=self.request.user,
            bureau=self.request.user.bureau,
            year=year,
            **form.cleaned_data,
        )
        return None

    def get_success_url_for(self, obj):
        return f"{reverse('payments:checkpoints')}?year={self.year()}"


class CheckpointDeleteView(BureauRequiredMixin, PermissionMixin, View):
    permission_required = "payments.delete_progresscheckpoint"

    def post(self, request, pk):
        checkpoint = get_object_or_404(ProgressCheckpoint, pk=pk, bureau=request.user.bureau)
        services.checkpoint_delete(actor=request.user, checkpoint=checkpoint)
        messages.success(request, _("已删除该节点，恢复默认序时进度。"))
        return redirect(f"{reverse('payments:checkpoints')}?year={checkpoint.year}")


# --- audits and assessments ------------------------------------------------------------------


class AuditListView(ListPageView):
    permission_required = "payments.view_audit"
    selector = staticmethod(selectors.audit_list)
    columns = staticmethod(audit_columns)
    filterset_class = AuditFilter
    title = _("审计与评估")
    create_url = "payments:audit-create"
    create_permission = "payments.add_audit"
    table_id = "audit-table"
    empty_text = _("尚未登记审计或评估。")
    default_sort = "-year"


class AuditDetailView(RecordDetailView):
    permission_required = "payments.view_audit"
    template_name = "payments/audit_detail.html"
    object_selector = staticmethod(selectors.audit_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["deductions"] = self.object.deductions.select_related(
            "installment__contract__award__project"
        )
        context["gated"] = self.object.gated_installments.select_related("contract")
        return context


class AuditCreateView(BureauRequiredMixin, CreatePageView):
    permission_required = "payments.add_audit"
    form_class = AuditForm
    title = _("登记审计/评估")
    success_message = _("审计/评估已登记。")

    def perform(self, form):
        return services.audit_create(
            actor=self.request.user, bureau=self.request.user.bureau, **form.cleaned_data
        )


class AuditUpdateView(EditPageView):
    permission_required = "payments.change_audit"
    form_class = AuditForm
    title = _("修改审计/评估")
    success_message = _("审计/评估已保存。")
    object_selector = staticmethod(selectors.audit_get)

    def perform(self, form):
        return services.audit_update(
            actor=self.request.user, audit=self.object, **form.cleaned_data
        )


# --- notifications and reminder settings -----------------------------------------------------


class NotificationListView(ListView):
    """The notification centre: the user's own notices, unread first."""

    template_name = "payments/notifications.html"
    paginate_by = 30
    context_object_name = "notifications"

    def get_queryset(self):
        return inbox.notification_list(
            user=self.request.user, show_all=self.request.GET.get("show") == "all"
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_all"] = self.request.GET.get("show") == "all"
        today = timezone.localdate()
        for notification in context["notifications"]:
            notification.title = inbox.live_title(notification.notice, today)
        return context


class NotificationOpenView(View):
    """Open a notice: mark it read and go where it points."""

    def get(self, request, pk):
        notification = get_object_or_404(
            Notification.objects.select_related("notice"), pk=pk, recipient=request.user
        )
        services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
        target = urlsplit(notification.notice.url)
        return redirect(target.path + (f"?{target.query}" if target.query else ""))


class NotificationsReadAllView(View):
    def post(self, request):
        count = services.notifications_mark_read(user=request.user)
        messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
        return redirect("payments:notifications")


class ReminderSettingsView(BureauRequiredMixin, CreatePageView):
    """The bureau's reminder thresholds, working hours and group robot (admin role)."""

    permission_required = "payments.change_remindersettings"
    form_class = ReminderSettingsForm
    success_message = _("提醒设置已保存。")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        bureau = self.request.user.bureau
        kwargs["instance"] = ReminderSettings.objects.filter(
            bureau=bureau
        ).first() or ReminderSettings(bureau=bureau)
        return kwargs

    def get_title(self):
        return _("提醒设置：%(bureau)s") % {"bureau": self.request.user.bureau}

    def perform(self, form):
        services.reminder_settings_save(
            actor=self.request.user, bureau=self.request.user.bureau, **form.cleaned_data
        )
        return None

    def get_success_url_for(self, obj):
        return reverse("payments:reminder-settings")


class SettingsHistoryView(BureauRequiredMixin, PermissionMixin, TemplateView):
    """Who changed the bureau's time-progress targets and reminder settings, for the
    auditor (and the manager and administrators who read history)."""

    permission_required = "accounts.view_history"
    template_name = "payments/settings_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = selectors.settings_history(bureau=self.request.user.bureau)
        return context


# --- Excel exports ---------------------------------------------------------------------------
# An export's build() opens a workbook and lists its sheet's columns (a heading and a width
# each, as core.exports takes them), so builds read like config/security_log's: the columns
# differ, the calls are core.exports' one way of writing a sheet.


class InstallmentLedgerExportView(ExportView):
    """The installments of the list page, with their payments and deductions.

    Installments follow the page's filters (the year is the due date's, as on the list).
    Payments and deductions are those of the installments the other filters (search,
    status, late, project) select, dated in the chosen year (the payment ledger's year:
    the payment's date). With the year alone their totals are the dashboard's paid and
    deducted for that year; a payment made in the year for an installment due in another
    still counts, exactly as on the dashboard.
    """

    # The filters that choose installments (the year chooses dates, see above).
    SELECTING = ("q", "status", "late", "project")

    permission_required = "payments.view_installment"
    filterset_class = InstallmentFilter
    filename = _("分期款与支付台账")

    def get_queryset(self):
        return selectors.installment_list(user=self.request.user).order_by("due_date", "pk")

    def build(self, queryset, filters):
        workbook = exports.Workbook()
        C = exports.Column
        exports.add_sheet(
            workbook,
            str(_("分期款")),
            [
                C(_("合同编号"), 20),
                C(_("合同名称"), 20),
                C(_("服务项目"), 30),
                C(_("服务机构"), 30),
                C(_("期次"), 8),
                C(_("应付日期"), 12, exports.DATE_FORMAT),
                C(_("计划金额（元）"), 16, exports.YUAN_FORMAT),
                C(_("扣减（元）"), 14, exports.YUAN_FORMAT),
                C(_("应付净额（元）"), 16, exports.YUAN_FORMAT),
                C(_("已支付（元）"), 16, exports.YUAN_FORMAT),
                C(_("未支付（元）"), 16, exports.YUAN_FORMAT),
                C(_("状态"), 10),
                C(_("延迟原因"), 30),
            ],
            (
                [
                    i.contract.number,
                    i.contract.title,
                    i.contract.award.project.name,
                    i.contract.award.provider.name,
                    i.label,
                    i.due_date,
                    i.planned_amount,
                    to_yuan(i.deducted),
                    to_yuan(i.net_payable),
                    to_yuan(i.paid),
                    to_yuan(i.outstanding),
                    i.get_status_display(),
                    i.delay_reason,
                ]
                for i in queryset
            ),
            first=True,
        )
        payments = selectors.payment_list(user=self.request.user).order_by("paid_on", "pk")
        deductions = selectors.deduction_list(user=self.request.user).order_by("decided_on", "pk")
        if any(filters.get(name) for name in self.SELECTING):
            data = self.request.GET.copy()
            data.pop("year", None)
            selected = self.filterset_class(
                data,
                queryset=selectors.installment_rows(user=self.request.user),
                user=self.request.user,
            ).qs.values("pk")
            payments = payments.filter(installment__in=selected)
            deductions = deductions.filter(installment__in=selected)
        year = filters.get("year")
        if year:
            payments = payments.filter(paid_on__year=int(year))
            deductions = deductions.filter(decided_on__year=int(year))
        _payments_sheet(workbook, str(_("支付")), payments)
        exports.add_sheet(
            workbook,
            str(_("扣减")),
            [
                C(_("扣减日期"), 12, exports.DATE_FORMAT),
                C(_("合同编号"), 20),
                C(_("服务项目"), 30),
                C(_("期次"), 8),
                C(_("依据报告"), 30),
                C(_("报告编号"), 24),
                C(_("金额（元）"), 14, exports.YUAN_FORMAT),
                C(_("原因"), 30),
                C(_("撤销日期"), 12, exports.DATE_FORMAT),
            ],
            (
                [
                    d.decided_on,
                    d.installment.contract.number,
                    d.installment.contract.award.project.name,
                    d.installment.label,
                    str(d.audit) if d.audit_id else d.basis,
                    d.audit.report_number if d.audit_id else "",
                    d.amount,
                    d.reason,
                    d.withdrawn_on,
                ]
                for d in deductions
            ),
        )
        return workbook


def _payments_sheet(workbook, title: str, payments, *, first: bool = False) -> None:
    """A sheet of payments, reversals included, with their vouchers (two exports use it)."""
    C = exports.Column
    exports.add_sheet(
        workbook,
        title,
        [
            C(_("支付日期"), 12, exports.DATE_FORMAT),
            C(_("凭证号"), 20),
            C(_("类型"), 8),
            C(_("合同编号"), 20),
            C(_("服务项目"), 30),
            C(_("期次"), 8),
            C(_("金额（元）"), 16, exports.YUAN_FORMAT),
            C(_("登记人"), 10),
            C(_("说明"), 30),
        ],
        (
            [
                p.paid_on,
                p.voucher_number,
                p.get_kind_display(),
                p.installment.contract.number,
                p.installment.contract.award.project.name,
                p.installment.label,
                p.amount,
                str(p.posted_by),
                p.reason,
            ]
            for p in payments
        ),
        first=first,
    )


class PaymentLedgerExportView(ExportView):
    """The payment ledger of the list page (支付台账), with its filters."""

    permission_required = "payments.view_payment"
    filterset_class = PaymentFilter
    filename = _("支付台账")

    def get_queryset(self):
        return selectors.payment_list(user=self.request.user).order_by("paid_on", "pk")

    def build(self, queryset, filters):
        workbook = exports.Workbook()
        _payments_sheet(workbook, str(_("支付台账")), queryset, first=True)
        return workbook


class ExecutionExportView(PermissionMixin, View):
    """Execution by project (or by bureau) for the dashboard's year and as-of date."""

    permission_required = "payments.view_dashboard"

    def get(self, request):
        year, as_of, _form = _execution_params(request)
        report = selectors.execution(user=request.user, year=year, as_of=as_of)
        C = exports.Column
        workbook = exports.Workbook()
        name = _("单位") if report.grouped_by == "bureau" else _("服务项目")
        rows = [*report.rows, report.total]
        sheet = exports.add_sheet(
            workbook,
            str(_("%(year)s年预算执行") % {"year": year}),
            [
                C(name, 30),
                C(_("年初预算（元）"), 16, exports.YUAN_FORMAT),
                C(_("全年预算（元）"), 16, exports.YUAN_FORMAT),
                C(_("实际下达预算（元）"), 18, exports.YUAN_FORMAT),
                C(_("已支付（元）"), 16, exports.YUAN_FORMAT),
                C(_("扣减（元）"), 14, exports.YUAN_FORMAT),
                C(_("预算执行率"), 12, exports.PERCENT_FORMAT),
                C(_("逾期未付（元）"), 16, exports.YUAN_FORMAT),
                C(_("年内计划且未逾期（元）"), 18, exports.YUAN_FORMAT),
                C(_("预计年末执行率"), 14, exports.PERCENT_FORMAT),
            ],
            (
                [
                    str(r.name),
                    r.initial,
                    r.full_year,
                    r.issued,
                    r.paid,
                    r.deducted,
                    _fraction(r.rate),
                    r.late,
                    r.scheduled,
                    _fraction(r.projected_rate),
                ]
                for r in rows
            ),
            first=True,
        )
        for cell in sheet[sheet.max_row]:
            cell.font = exports.Font(bold=True)
        note = _("截至 %(as_of)s；执行率 = 已支付 ÷ 实际下达预算；时间进度目标 %(target)s%%。") % {
            "as_of": as_of.isoformat(),
            "target": report.target.percent,
        }
        sheet.cell(row=sheet.max_row + 2, column=1, value=str(note))
        exports.caption(
            workbook,
            _("筛选条件：%(filters)s")
            % {"filters": f"{_('年度')}：{year}；{_('截至日期')}：{as_of.isoformat()}"},
        )
        return exports.workbook_response(workbook, str(_("预算执行")) + f"-{year}")


def _fraction(rate):
    """A percentage (93.20) as the fraction Excel formats as a percentage (0.932)."""
    return None if rate is None else rate / 100

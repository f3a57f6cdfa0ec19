"""Pages of the provider portal (服务机构门户): what a provider's person owes and by when,
its contracts with each bureau it serves, and the uploads that hand documents in.

Every page needs the portal permission (the provider role only) and reads through the
selectors' portal scope (the user's active memberships): another provider's record, or
a record of a bureau the provider does not serve, is a 404 like a missing one.
"""

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from contracts import selectors as contract_selectors
from core.views import CreatePageView, PermissionMixin
from evaluations import selectors as evaluation_selectors
from evaluations import submissions
from payments import selectors as payment_selectors
from payments import services as payment_services
from payments.forms import DocumentUploadForm
from portal.forms import RectificationResponseForm, ServiceReportForm

PORTAL = "contracts.use_portal"


class PortalHomeView(PermissionMixin, TemplateView):
    """The provider's overview: what to hand in (late, due within 15 days, later) and
    its contracts."""

    permission_required = PORTAL
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "due": payment_selectors.portal_due(user=user),
            "contracts": list(contract_selectors.portal_contract_list(user=user)[:200]),
            "rectifications": evaluation_selectors.portal_rectifications(user=user),
            "soon_days": payment_selectors.PORTAL_SOON_DAYS,
        }


class PortalContractView(PermissionMixin, TemplateView):
    """One contract as its provider sees it: installments with the documents due and their
    state, deductions with the report they rest on, payments received."""

    permission_required = PORTAL
    template_name = "portal/contract.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        contract = contract_selectors.portal_contract_get(user=user, pk=self.kwargs["pk"])
        installments = payment_selectors.portal_installments(contract=contract)
        banner = payment_selectors.portal_banner(installments)
        return {
            **super().get_context_data(**kwargs),
            "contract": contract,
            "installments": installments,
            "deductions": payment_selectors.portal_deductions(contract=contract),
            "payments": payment_selectors.portal_payments(contract=contract),
            "late": banner["late"],
            "due_soon": banner["soon"],
            "soon_days": payment_selectors.PORTAL_SOON_DAYS,
            "upload_form": DocumentUploadForm(),
            "service_reports": evaluation_selectors.contract_service_reports(contract=contract),
        }


class PortalDocumentUploadView(CreatePageView):
    """The provider hands in a file for one required document of its own installment."""

    permission_required = PORTAL
    form_class = DocumentUploadForm
    multipart = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.document = payment_selectors.portal_document_get(
                user=request.user, pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("提交资料：%(document)s") % {"document": self.document.title}

    def get_cancel_url(self):
        return self.contract_url()

    def contract_url(self):
        from django.urls import reverse

        return reverse("portal:contract", args=[self.document.installment.contract_id])

    def perform(self, form):
        payment_services.document_file_upload(
            actor=self.request.user, document=self.document, upload=form.cleaned_data["file"]
        )
        messages.success(self.request, _("文件已提交，等待单位审核。"))
        return self.contract_url()

    def get_success_url_for(self, obj):
        return obj


class PortalServiceReportCreateView(CreatePageView):
    """The provider hands in a service report for one of its contracts."""

    permission_required = PORTAL
    form_class = ServiceReportForm
    multipart = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.contract = contract_selectors.portal_contract_get(
                user=request.user, pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "indicators": submissions.report_indicators(self.contract),
        }

    def get_initial(self):
        # The last month or quarter that has ended, by the contract's reporting frequency.
        start, end = submissions.last_complete_period(
            self.contract.report_frequency, timezone.localdate()
        )
        return {"period_start": start, "period_end": end}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["period_start"].help_text = _(
            "本合同约定%(frequency)s提交：报告期为一个完整的自然月或季度。"
        ) % {"frequency": self.contract.get_report_frequency_display()}
        return form

    def get_title(self):
        return _("提交服务报告：%(contract)s") % {"contract": self.contract.title}

    def get_cancel_url(self):
        from django.urls import reverse

        return reverse("portal:contract", args=[self.contract.pk])

    def perform(self, form):
        data = form.cleaned_data
        submissions.service_report_submit(
            actor=self.request.user,
            contract=self.contract,
            period_start=data["period_start"],
            period_end=data["period_end"],
            summary=data["summary"],
            values=form.values(),
            files=data["evidence"],
        )
        messages.success(self.request, _("服务报告已提交，等待单位核实。"))
        return self.get_cancel_url()

    def get_success_url_for(self, obj):
        return obj


class PortalRectificationRespondView(CreatePageView):
    """The provider answers a rectification addressed to it."""

    permission_required = PORTAL
    form_class = RectificationResponseForm
    multipart = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.rectification = evaluation_selectors.portal_rectification_get(
                user=request.user, pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("答复整改：%(recommendation)s") % {
            "recommendation": self.rectification.recommendation[:40]
        }

    def get_cancel_url(self):
        from django.urls import reverse

        return reverse("portal:home")

    def perform(self, form):
        submissions.rectification_respond(
            actor=self.request.user,
            rectification=self.rectification,
            text=form.cleaned_data["text"],
            files=form.cleaned_data["evidence"],
        )
        messages.success(self.request, _("整改情况已提交，等待单位确认。"))
        return self.get_cancel_url()

    def get_success_url_for(self, obj):
        return obj

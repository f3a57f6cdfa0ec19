"""Pages of the contracts register. Thin: selectors read, services write.

A page here declares one of core/views.py's generic pages (permission, form, title,
message, selector, and a perform() calling one service), so pages and the imports they
need read alike line for line, here and in the other apps, by design: only the declared
values differ.
"""

from django.contrib import messages
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from django.views import View

from accounts import panels
from contracts import selectors, services
from contracts.filters import AwardFilter, ContractFilter, ProjectFilter, ProviderFilter
from contracts.forms import (
    AnnualGoalForm,
    AttachmentForm,
    AwardForm,
    ContractForm,
    ProjectForm,
    ProviderForm,
    ProviderUserInviteForm,
    TerminateForm,
)
from contracts.tables import award_columns, contract_columns, project_columns, provider_columns
from core import exports
from core.views import (
    ActionPageView,
    CreatePageView,
    EditPageView,
    ExportView,
    ListPageView,
    PermissionMixin,
    RecordDetailView,
)


class BureauRecordCreateView(CreatePageView):
    """A new record of a bureau, which a city-wide user chooses on the form
    (``form.chosen_bureau``): ``create_service`` records it."""

    create_service = None

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "bureau"}
        return self.create_service(
            actor=self.request.user, bureau=form.chosen_bureau(self.request.user), **data
        )


# --- providers ----------------------------------------------------------------------------


class ProviderListView(ListPageView):
    permission_required = "contracts.view_provider"
    selector = staticmethod(selectors.provider_list)
    columns = staticmethod(provider_columns)
    filterset_class = ProviderFilter
    title = _("服务机构")
    create_url = "contracts:provider-create"
    create_permission = "contracts.add_provider"
    table_id = "provider-table"
    empty_text = _("尚未登记服务机构。")
    default_sort = "name"


class ProviderDetailView(RecordDetailView):
    permission_required = "contracts.view_provider"
    template_name = "contracts/provider_detail.html"
    object_selector = staticmethod(selectors.provider_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["awards"] = self.object.awards.select_related("project").order_by("-award_date")
        if self.request.user.has_perm("contracts.view_providermembership"):
            context["memberships"] = selectors.provider_memberships(provider=self.object)
        # The provider's record, from the evaluations app (accounts/panels.py).
        context["panels"] = panels.bound(
            "contracts:provider-detail", request=self.request, provider=self.object
        )
        return context


class ProviderUserInviteView(ActionPageView):
    """Bureau staff invite a provider's person to the portal."""

    form_takes_user = False
    permission_required = "contracts.add_providermembership"
    form_class = ProviderUserInviteForm
    title = _("邀请服务机构账户：%(provider)s")
    object_selector = staticmethod(selectors.provider_get)

    def perform(self, form):
        membership = services.provider_user_invite(
            actor=self.request.user, provider=self.object, **form.cleaned_data
        )
        messages.success(
            self.request,
            _("已向 %(email)s 发送邀请邮件。") % {"email": membership.user.email},
        )
        return self.object


class ProviderUserDeactivateView(PermissionMixin, View):
    """Bureau staff take a provider's person off their provider record (POST)."""

    permission_required = "contracts.change_providermembership"

    def post(self, request, pk):
        from django.shortcuts import redirect

        membership = selectors.provider_membership_get(user=request.user, pk=pk)
        services.provider_user_deactivate(actor=request.user, membership=membership)
        messages.success(request, _("已停用 %(user)s。") % {"user": membership.user})
        return redirect(membership.provider.get_absolute_url())


class ProviderCreateView(BureauRecordCreateView):
    permission_required = "contracts.add_provider"
    form_class = ProviderForm
    title = _("登记服务机构")
    success_message = _("服务机构已登记。")

    create_service = staticmethod(services.provider_create)

    warnings = staticmethod(services.provider_warnings)


class ProviderUpdateView(EditPageView):
    permission_required = "contracts.change_provider"
    form_class = ProviderForm
    title = _("修改服务机构")
    success_message = _("服务机构已保存。")
    object_selector = staticmethod(selectors.provider_get)

    def perform(self, form):
        return services.provider_update(
            actor=self.request.user, provider=self.object, **form.cleaned_data
        )

    warnings = staticmethod(services.provider_warnings)


# --- projects -----------------------------------------------------------------------------


class ProjectListView(ListPageView):
    permission_required = "contracts.view_project"
    selector = staticmethod(selectors.project_list)
    columns = staticmethod(project_columns)
    filterset_class = ProjectFilter
    title = _("服务项目")
    create_url = "contracts:project-create"
    create_permission = "contracts.add_project"
    table_id = "project-table"
    empty_text = _("尚未登记服务项目。")
    default_sort = "name"


class ProjectDetailView(RecordDetailView):
    permission_required = "contracts.view_project"
    template_name = "contracts/project_detail.html"
    object_selector = staticmethod(selectors.project_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["goals"] = self.object.annual_goals.order_by("-year")
        context["awards"] = self.object.awards.select_related("provider").order_by("-award_date")
        context["goal_form"] = AnnualGoalForm()
        # The project's money (budgets, contracts, installments, paid), from the payments
        # app (accounts/panels.py).
        context["panels"] = panels.bound(
            "contracts:project-detail", request=self.request, project=self.object
        )
        if context["show_history"]:
            context["goal_history"] = selectors.annual_goal_history(project=self.object)
        return context


class ProjectCreateView(BureauRecordCreateView):
    permission_required = "contracts.add_project"
    form_class = ProjectForm
    title = _("登记服务项目")
    success_message = _("服务项目已登记。")

    create_service = staticmethod(services.project_create)


class ProjectUpdateView(EditPageView):
    permission_required = "contracts.change_project"
    form_class = ProjectForm
    title = _("修改服务项目")
    success_message = _("服务项目已保存。")
    object_selector = staticmethod(selectors.project_get)

    def perform(self, form):
        return services.project_update(
            actor=self.request.user, project=self.object, **form.cleaned_data
        )


class AnnualGoalSetView(ActionPageView):
    form_takes_user = False
    """Add or replace one year's goals of a project (a form on the project page)."""

    permission_required = "contracts.change_project"
    form_class = AnnualGoalForm
    title = _("年度目标：%(project)s")
    object_selector = staticmethod(selectors.project_get)

    def perform(self, form):
        services.annual_goal_set(actor=self.request.user, project=self.object, **form.cleaned_data)
        messages.success(self.request, _("年度目标已保存。"))
        return self.object


# --- awards -------------------------------------------------------------------------------


class AwardListView(ListPageView):
    permission_required = "contracts.view_award"
    selector = staticmethod(selectors.award_list)
    columns = staticmethod(award_columns)
    filterset_class = AwardFilter
    title = _("中标信息")
    create_url = "contracts:award-create"
    create_permission = "contracts.add_award"
    table_id = "award-table"
    empty_text = _("尚未登记中标信息。")
    default_sort = "-award_date"


class AwardDetailView(RecordDetailView):
    permission_required = "contracts.view_award"
    template_name = "contracts/award_detail.html"
    object_selector = staticmethod(selectors.award_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contracts"] = selectors.with_status(self.object.contracts.all()).order_by("start")
        return context


class AwardCreateView(CreatePageView):
    permission_required = "contracts.add_award"
    form_class = AwardForm
    title = _("登记中标")
    success_message = _("中标信息已登记。")

    template_name = "contracts/award_form.html"

    def get_initial(self):
        return {
            "project": self.request.GET.get("project"),
            "provider": self.request.GET.get("provider"),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The chosen provider's record, from the evaluations app (accounts/panels.py).
        chosen = self.request.POST.get("provider") or self.request.GET.get("provider")
        provider = (
            selectors.provider_list(user=self.request.user).filter(pk=chosen).first()
            if chosen and chosen.isdigit()
            else None
        )
        context["panels"] = panels.bound(
            "contracts:award-create", request=self.request, provider=provider
        )
        return context

    def perform(self, form):
        return services.award_create(actor=self.request.user, **form.cleaned_data)


class AwardUpdateView(EditPageView):
    permission_required = "contracts.change_award"
    form_class = AwardForm
    title = _("修改中标信息")
    success_message = _("中标信息已保存。")
    object_selector = staticmethod(selectors.award_get)

    def perform(self, form):
        return services.award_update(
            actor=self.request.user, award=self.object, **form.cleaned_data
        )


# --- contracts ----------------------------------------------------------------------------


class ContractListView(ListPageView):
    permission_required = "contracts.view_contract"
    selector = staticmethod(selectors.contract_list)
    columns = staticmethod(contract_columns)
    filterset_class = ContractFilter
    title = _("合同")
    create_url = "contracts:contract-create"
    create_permission = "contracts.add_contract"
    export_url = "contracts:contract-export"
    table_id = "contract-table"
    empty_text = _("没有符合条件的合同。")
    default_sort = "-period"


class ContractDetailView(RecordDetailView):
    permission_required = "contracts.view_contract"
    template_name = "contracts/contract_detail.html"
    object_selector = staticmethod(selectors.contract_get)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachments"] = self.object.attachments.select_related("uploaded_by")
        context["terminate_form"] = TerminateForm()
        context["attachment_form"] = AttachmentForm()
        context["warnings"] = services.contract_warnings(self.object)
        # The installments, from the payments app (accounts/panels.py).
        context["panels"] = panels.bound(
            "contracts:contract-detail", request=self.request, contract=self.object
        )
        if context["show_history"]:
            context["attachment_history"] = selectors.attachment_history(contract=self.object)
        return context


class ContractCreateView(CreatePageView):
    permission_required = "contracts.add_contract"
    form_class = ContractForm
    title = _("登记合同")
    success_message = _("合同已登记。")

    def get_initial(self):
        return {"award": self.request.GET.get("award"), "owner": self.request.user.pk}

    def perform(self, form):
        return services.contract_create(actor=self.request.user, **form.cleaned_data)

    warnings = staticmethod(services.contract_warnings)


class ContractUpdateView(EditPageView):
    permission_required = "contracts.change_contract"
    form_class = ContractForm
    title = _("修改合同")
    success_message = _("合同已保存。")
    object_selector = staticmethod(selectors.contract_get)

    def perform(self, form):
        return services.contract_update(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        )

    warnings = staticmethod(services.contract_warnings)


class ContractTerminateView(ActionPageView):
    form_takes_user = False
    permission_required = "contracts.change_contract"
    form_class = TerminateForm
    title = _("终止合同：%(contract)s")
    object_selector = staticmethod(selectors.contract_get)

    def perform(self, form):
        contract = services.contract_terminate(
            actor=self.request.user, contract=self.object, **form.cleaned_data
        )
        messages.success(self.request, _("合同已终止。"))
        return contract


class AttachmentAddView(ActionPageView):
    form_takes_user = False
    permission_required = "contracts.change_contract"
    form_class = AttachmentForm
    title = _("上传附件：%(contract)s")
    multipart = True
    object_selector = staticmethod(selectors.contract_get)

    def perform(self, form):
        services.attachment_add(actor=self.request.user, contract=self.object, **form.cleaned_data)
        messages.success(self.request, _("附件已上传。"))
        return self.object


class AttachmentDownloadView(PermissionMixin, View):
    permission_required = "contracts.view_contract"

    def get(self, request, pk):
        attachment = selectors.attachment_get(user=request.user, pk=pk)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=False,
            filename=f"{attachment.title}.pdf",
            content_type="application/pdf",
        )


class ContractExportView(ExportView):
    permission_required = "contracts.view_contract"
    filterset_class = ContractFilter
    filename = _("合同")

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user).order_by("-start", "number")

    def build(self, queryset, filters):
        workbook = exports.Workbook()
        exports.add_sheet(
            workbook,
            str(_("合同")),
            [
                exports.Column(_("合同编号"), 20),
                exports.Column(_("合同名称"), 22),
                exports.Column(_("服务项目"), 30),
                exports.Column(_("服务领域"), 12),
                exports.Column(_("服务机构"), 30),
                exports.Column(_("统一社会信用代码"), 22),
                exports.Column(_("签订日期"), 12, exports.DATE_FORMAT),
                exports.Column(_("服务期起"), 12, exports.DATE_FORMAT),
                exports.Column(_("服务期止"), 12, exports.DATE_FORMAT),
                exports.Column(_("合同金额（元）"), 16, exports.YUAN_FORMAT),
                exports.Column(_("状态"), 10),
                exports.Column(_("经办人"), 12),
            ],
            (
                [
                    c.number,
                    c.title,
                    c.award.project.name,
                    c.award.project.get_service_field_display(),
                    c.award.provider.name,
                    c.award.provider.credit_code,
                    c.signed_on,
                    c.start,
                    c.end,
                    c.amount,
                    c.status_label,
                    str(c.owner) if c.owner else "",
                ]
                for c in queryset
            ),
            first=True,
        )
        return workbook

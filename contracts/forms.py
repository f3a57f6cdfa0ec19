"""Forms of the contracts register. They collect input; the services decide.

A form's ``Meta`` (model, fields, widgets) is a declaration: forms of different records
look alike because Django's model forms do.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope, is_multi_bureau, visible_bureaus
from contracts.models import AnnualGoal, Award, Contract, Project, Provider
from contracts.selectors import contract_owner_choices, project_owner_choices


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class BureauFieldMixin:
    """Offer a bureau choice only to users who span several bureaus."""

    def setup_bureau(self, user, current=None):
        if is_multi_bureau(user=user):
            self.fields["bureau"] = forms.ModelChoiceField(
                label=_("购买单位"), queryset=visible_bureaus(user=user), initial=current
            )
            self.order_fields(["bureau", *[f for f in self.fields if f != "bureau"]])

    def chosen_bureau(self, user):
        return self.cleaned_data.get("bureau") or user.bureau


class ProviderForm(BureauFieldMixin, forms.ModelForm):
    class Meta:
        model = Provider
        fields = [
            "name",
            "credit_code",
            "legal_representative",
            "contact_person",
            "phone",
            "email",
            "address",
            "bank_name",
            "bank_account",
            "rating",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.setup_bureau(user)
        self.fields["credit_code"].widget.attrs.update(
            {"maxlength": 18, "style": "text-transform: uppercase", "autocomplete": "off"}
        )

    def clean_credit_code(self):
        return self.cleaned_data["credit_code"].strip().upper()


class ProjectForm(BureauFieldMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "service_field", "department", "owner", "description", "long_term_goals"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "long_term_goals": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # 项目负责人: staff (业务科室) only, like a contract's 经办人.
        self.fields["owner"].queryset = project_owner_choices(user=user, project=self.instance)
        if self.instance.pk is None:
            self.setup_bureau(user)


class AnnualGoalForm(forms.ModelForm):
    class Meta:
        model = AnnualGoal
        fields = ["year", "goals"]
        widgets = {"goals": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year

    def validate_unique(self):
        # A second goal for the same year replaces the first (annual_goal_set).
        pass


class AwardForm(forms.ModelForm):
    class Meta:
        model = Award
        fields = [
            "project",
            "provider",
            "procurement_method",
            "award_date",
            "term_start",
            "term_months",
            "annual_amount",
            "notice_number",
        ]
        widgets = {"award_date": DateInput(), "term_start": DateInput()}
        help_texts = {"annual_amount": _("单位：元，精确到分。例如 132.2 万元/年填 1322000.00。")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(bureau_scope(user=user))
        self.fields["provider"].queryset = Provider.objects.filter(bureau_scope(user=user))


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "award",
            "number",
            "title",
            "signed_on",
            "start",
            "end",
            "amount",
            "continuing_service",
            "payment_term_days",
            "report_frequency",
            "owner",
            "social_workers_senior",
            "social_workers_intermediate",
            "social_workers_assistant",
            "supervision_hours",
        ]
        widgets = {"signed_on": DateInput(), "start": DateInput(), "end": DateInput()}
        help_texts = {"amount": _("单位：元，精确到分。")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award"].queryset = Award.objects.filter(
            bureau_scope(user=user, field="project__bureau")
        ).select_related("project", "provider")
        if self.instance.pk:
            self.fields["award"].disabled = True
            self.fields["award"].help_text = _("合同签订后不能更换中标。")
        self.fields["owner"].queryset = contract_owner_choices(user=user, contract=self.instance)
        # A form posted without the reporting frequency (an API client, an older page)
        # keeps the contract's own, quarterly for a new one.
        self.fields["report_frequency"].required = False

    def clean_report_frequency(self):
        return self.cleaned_data.get("report_frequency") or self.instance.report_frequency

    def validate_unique(self):
        # The bureau is derived from the award by the service; uniqueness of the number
        # per bureau is checked there (full_clean) and reported on the number field.
        pass


class TerminateForm(forms.Form):
    terminated_on = forms.DateField(label=_("终止日期"), widget=DateInput())
    reason = forms.CharField(label=_("终止原因"), widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("附件名称"), max_length=100, initial=_("合同文本（签字盖章版）")
    )
    file = forms.FileField(label=_("文件（PDF）"), help_text=_("仅限 PDF，不超过 20 MB。"))


class ProviderUserInviteForm(forms.Form):
    """Invite a provider's person to the portal (服务机构门户)."""

    email = forms.EmailField(label=_("邮箱"), help_text=_("邀请邮件将发送到此邮箱，邮箱即用户名。"))
    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)

"""Forms of the payments app. They collect input; the services decide."""

import datetime
import uuid
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope
from contracts.forms import DateInput
from contracts.models import Project
from core.forms import StatusForm
from payments.models import (
    Audit,
    BudgetEvent,
    Installment,
    ReminderSettings,
    RequiredDocument,
)


class BudgetForm(forms.Form):
    """A new project-year's budget: its 年初预算 and, when already issued, its 指标下达."""

    project = forms.ModelChoiceField(label=_("服务项目"), queryset=Project.objects.none())
    year = forms.IntegerField(label=_("预算年度"), min_value=2000, max_value=2100)
    initial_amount = forms.DecimalField(
        label=_("年初预算（元）"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    initial_on = forms.DateField(label=_("年初预算业务日期"), widget=DateInput())
    initial_document = forms.CharField(label=_("年初预算文号"), max_length=60)
    issued_amount = forms.DecimalField(
        label=_("指标下达（元）"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("财政实际下达（到位）的资金，预算执行率以此为分母；尚未下达可留空，之后登记。"),
    )
    issued_on = forms.DateField(label=_("指标下达业务日期"), widget=DateInput(), required=False)
    issued_document = forms.CharField(label=_("指标下达文号"), max_length=60, required=False)
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(bureau_scope(user=user))
        self.fields["year"].initial = timezone.localdate().year


class BudgetNoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class BudgetEventForm(forms.ModelForm):
    class Meta:
        model = BudgetEvent
        fields = ["kind", "amount", "dated_on", "document_number", "reason"]
        widgets = {"dated_on": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"amount": _("单位：元，精确到分。")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_number"].required = True
        self.fields["amount"].validators.append(
            MinValueValidator(Decimal("0.01"), _("金额必须大于 0；更正已登记的事项请用冲销。"))
        )
        self.fields["dated_on"].initial = timezone.localdate()


class BudgetEventReverseForm(forms.Form):
    dated_on = forms.DateField(label=_("冲销业务日期"), widget=DateInput())
    document_number = forms.CharField(
        label=_("文号"), max_length=60, required=False, help_text=_("留空则沿用原记录的文号。")
    )
    reason = forms.CharField(label=_("冲销原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dated_on"].initial = timezone.localdate()


class FiscalYearCloseForm(forms.Form):
    year = forms.IntegerField(label=_("结账年度"), min_value=2000, max_value=2100)
    note = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class CheckpointForm(forms.Form):
    month = forms.TypedChoiceField(
        label=_("月份（月底）"),
        coerce=int,
        choices=[(m, _("%(m)s月底") % {"m": m}) for m in range(1, 13)],
    )
    target_percent = forms.DecimalField(
        label=_("序时进度目标（%）"), min_value=0, max_value=100, decimal_places=2
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ScheduleTemplateForm(forms.Form):
    template = forms.CharField(
        label=_("分期比例"),
        initial="30/40/30",
        help_text=_("按比例生成各期金额，例如 30/40/30；四舍五入的尾差计入最后一期。"),
    )
    due_dates = forms.CharField(
        label=_("各期应付日期"),
        required=False,
        help_text=_(
            "可选，以逗号分隔，例如 2024-09-30,2025-03-31,2025-07-31；留空则在服务期内均匀分布。"
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_due_dates(self):
        import datetime

        text = self.cleaned_data["due_dates"].replace("，", ",").strip()
        if not text:
            return None
        try:
            return [
                datetime.date.fromisoformat(part.strip())
                for part in text.split(",")
                if part.strip()
            ]
        except ValueError as exc:
            raise forms.ValidationError(_("日期格式应为 YYYY-MM-DD，以逗号分隔。")) from exc


class ScheduleRowForm(forms.Form):
    pk = forms.IntegerField(widget=forms.HiddenInput, required=False)
    number = forms.IntegerField(label=_("期次"), min_value=1)
    percent = forms.DecimalField(
        label=_("比例（%）"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    planned_amount = forms.DecimalField(
        label=_("计划金额（元）"),
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        max_digits=14,
    )
    due_date = forms.DateField(label=_("应付日期"), widget=DateInput())
    documents_due = forms.DateField(label=_("资料提交期限"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if (
            data.get("percent") is None
            and data.get("planned_amount") is None
            and not data.get("DELETE")
        ):
            raise forms.ValidationError(_("每一期须填写金额或比例。"))
        return data


ScheduleFormSet = forms.formset_factory(ScheduleRowForm, extra=1, can_delete=True)


class TransitionForm(StatusForm):
    statuses = Installment.Status.choices

    on = forms.DateField(label=_("业务日期"), required=False, widget=DateInput())


class DocumentReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("收到日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DocumentAcceptForm(forms.Form):
    on = forms.DateField(
        label=_("接收日期"),
        required=False,
        widget=DateInput(),
        help_text=_("业务日期，即资料的收到日期；留空为今天。"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DocumentReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("服务机构会看到此原因。"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("文件"),
        help_text=_("PDF、JPG、PNG 或 OFD，每个不超过 20 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DocumentAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("资料类型"), choices=RequiredDocument.Kind.choices)
    name = forms.CharField(label=_("资料名称"), required=False, max_length=100)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class InstallmentDetailsForm(forms.Form):
    delay_reason = forms.CharField(
        label=_("延迟原因"),
        required=False,
        max_length=200,
        help_text=_("例如：服务机构提交资料不及时导致财务封账。"),
    )
    documents_due = forms.DateField(label=_("资料提交期限"), required=False, widget=DateInput())
    gates = forms.ModelMultipleChoiceField(
        label=_("前置审计/评估"),
        queryset=Audit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("这些审计或评估出具报告后，本期款才能审批。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gates"].queryset = Audit.objects.filter(bureau_scope(user=user))


class DeductionForm(forms.Form):
    prefix = "deduction"  # shares the installment page with the payment form

    audit = forms.ModelChoiceField(label=_("依据报告"), queryset=Audit.objects.none())
    amount = forms.DecimalField(
        label=_("扣减金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    decided_on = forms.DateField(label=_("扣减日期"), widget=DateInput())
    reason = forms.CharField(label=_("扣减原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audit"].queryset = Audit.objects.filter(bureau_scope(user=user))
        self.fields["decided_on"].initial = timezone.localdate()


class DeductionWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("撤销日期"), widget=DateInput())
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_on"].initial = timezone.localdate()


class _PostingForm(forms.Form):
    """A form that posts a payment or a reversal: its ``date_field`` starts at today, and
    a fresh hidden request key makes a second submission of the same page a duplicate."""

    date_field = ""

    request_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.date_field].initial = timezone.localdate()
        self.fields["request_key"].initial = uuid.uuid4()


class PaymentForm(_PostingForm):
    prefix = "payment"  # shares the installment page with the deduction form
    date_field = "paid_on"

    paid_on = forms.DateField(label=_("支付日期"), widget=DateInput())
    amount = forms.DecimalField(
        label=_("支付金额（元）"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14
    )
    voucher_number = forms.CharField(label=_("凭证号"), max_length=40)
    field_order = ["paid_on", "amount", "voucher_number", "request_key"]


class ReversalForm(_PostingForm):
    date_field = "reversed_on"

    reversed_on = forms.DateField(label=_("冲销日期"), widget=DateInput())
    voucher_number = forms.CharField(label=_("冲销凭证号"), max_length=40)
    reason = forms.CharField(label=_("冲销原因"), widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["reversed_on", "voucher_number", "reason", "request_key"]


class AuditForm(forms.ModelForm):
    # The audit's fields, in the order the page shows them; bench/generate.py lists the
    # same columns to fill the table: both name the model's fields.
    class Meta:
        model = Audit
        fields = [
            "kind",
            "firm",
            "project",
            "year",
            "started_on",
            "closed_on",
            "report_number",
            "findings",
            "score",
            "grade",
            "satisfaction",
        ]
        widgets = {
            "started_on": DateInput(),
            "closed_on": DateInput(),
            "findings": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(bureau_scope(user=user))
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year


class ExecutionQueryForm(forms.Form):
    """The year and as-of date of the dashboard and the API."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    as_of = forms.DateField(label=_("截至日期"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        year, as_of = data.get("year"), data.get("as_of")
        if year and as_of and as_of.year != year:
            raise forms.ValidationError(_("截至日期应在所选年度内。"))
        return data

    def chosen(self) -> tuple[int | None, datetime.date | None]:
        """(year, as_of) the query asks for, None where it names none (or is invalid); an
        as-of date alone names its year."""
        year = as_of = None
        if self.is_bound and self.is_valid():
            year, as_of = self.cleaned_data["year"], self.cleaned_data["as_of"]
        if as_of and not year:
            year = as_of.year
        return year, as_of


class IntegerListField(forms.CharField):
    """ "15,7,3" ⇄ [15, 7, 3]."""

    def __init__(self, *args, min_value=0, max_value=365, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("，", ",")
        try:
            numbers = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
        except ValueError as exc:
            raise forms.ValidationError(_("请填写以逗号分隔的整数，例如 15,7,3。")) from exc
        if any(n < self.min_value or n > self.max_value for n in numbers):
            raise forms.ValidationError(
                _("每个数应在 %(min)s 到 %(max)s 之间。")
                % {"min": self.min_value, "max": self.max_value}
            )
        return numbers


class ReminderSettingsForm(forms.ModelForm):
    """The bureau's reminder settings. The order of the escalation levels and sensible
    due-soon days are the model's rules (ReminderSettings.clean and its constraint), so
    the admin is held to them too."""

    due_soon_days = IntegerListField(
        label=_("到期提醒（提前天数）"),
        help_text=_("例如 15,7,3：应付日期前 15、7、3 天各提醒一次。"),
        min_value=1,
    )
    work_days = IntegerListField(
        label=_("工作日"),
        required=False,
        min_value=1,
        max_value=7,
        help_text=_("1=周一 … 7=周日，例如 1,2,3,4,5。"),
    )
    webhook_url = forms.URLField(
        label=_("群机器人地址"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "企业微信（qyapi.weixin.qq.com）/钉钉（oapi.dingtalk.com）群机器人的 https "
            "Webhook 地址；留空则不推送。"
        ),
    )

    class Meta:
        model = ReminderSettings
        fields = [
            "due_soon_days",
            "escalate_level2_days",
            "escalate_level3_days",
            "payment_deadline_days",
            "tolerance_points",
            "year_end_target",
            "projection_from_month",
            "work_start",
            "work_end",
            "work_days",
            "email_enabled",
            "webhook_url",
        ]
        widgets = {
            "work_start": forms.TimeInput(attrs={"type": "time"}),
            "work_end": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

"""Forms of the evaluations app. They collect input; the services decide.

A form's ``Meta`` (model, fields, widgets) and its bureau-scoped choices are
declarations: forms of different records look alike because Django's model forms do.
``TransitionForm`` is core's status form with evaluations' statuses.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import bureau_scope
from contracts.forms import DateInput
from contracts.models import Project
from core.forms import StatusForm
from evaluations.models import (
    Evaluation,
    Finding,
    GradeScale,
    IndicatorTemplate,
    OutputIndicator,
    Rectification,
    StatedFigure,
)


class EvaluationCreateForm(forms.Form):
    year = forms.IntegerField(label=_("评价年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("标题"), max_length=120)
    kind = forms.ChoiceField(label=_("评价类型"), choices=Evaluation.Kind.choices)
    template = forms.ModelChoiceField(
        label=_("指标模板"), queryset=IndicatorTemplate.objects.filter(is_active=True)
    )
    grade_scale = forms.ModelChoiceField(label=_("等级标准"), queryset=GradeScale.objects.all())
    projects = forms.ModelMultipleChoiceField(
        label=_("评价项目"), queryset=Project.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = Project.objects.filter(bureau_scope(user=user))
        last_year = timezone.localdate().year - 1
        self.fields["year"].initial = last_year
        self.fields["title"].initial = _("%(year)s 年购买社工服务项目支出绩效评价") % {
            "year": last_year
        }
        self.fields["grade_scale"].initial = GradeScale.objects.order_by("pk").first()


class EvaluationNarrativeForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = list(Evaluation.NARRATIVE_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields if name != "title"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class RowScoreForm(forms.Form):
    score = forms.DecimalField(
        label=_("评价得分"), required=False, min_value=0, decimal_places=2, max_digits=5
    )
    actual_value = forms.CharField(label=_("实际完成值"), required=False, max_length=200)
    evidence = forms.CharField(
        label=_("评分依据"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    override_reason = forms.CharField(
        label=_("调整理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("计算得分与评价得分不同时必须填写。"),
    )

    def __init__(self, *args, user=None, row=None, **kwargs):
        super().__init__(*args, **kwargs)
        if row is not None:
            self.fields["score"].help_text = _("0 至 %(weight)s 分。") % {
                "weight": format(row.weight.normalize(), "f")
            }
            if row.is_computed:
                del self.fields["actual_value"]
            else:
                del self.fields["override_reason"]


class TransitionForm(StatusForm):
    statuses = Evaluation.Status.choices


class StatedFigureForm(forms.ModelForm):
    class Meta:
        model = StatedFigure
        fields = ["key", "value", "source"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def validate_unique(self):
        pass  # a second figure for the same key replaces the first


class OutputForm(forms.ModelForm):
    class Meta:
        model = OutputIndicator
        fields = [
            "project",
            "year",
            "order",
            "name",
            "kind",
            "unit",
            "comparator",
            "target",
            "actual",
            "due_on",
            "completed_on",
            "note",
        ]
        widgets = {"due_on": DateInput(), "completed_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(bureau_scope(user=user))
        indicator = self.instance
        has_updates = (
            indicator.recorded is not None
            if hasattr(indicator, "recorded")
            else bool(indicator.pk) and indicator.updates.exists()
        )
        if has_updates:
            # The actual is the sum of the dated updates: it cannot be typed any more.
            self.fields["actual"].disabled = True
            self.fields["actual"].help_text = _(
                "已有分次记录，实际完成值为各次记录之和，在指标页面按日期记录。"
            )

    def validate_unique(self):
        pass  # the service reports a duplicate name beside the field


class OutputRecordForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput())
    amount = forms.DecimalField(label=_("数量"), decimal_places=2, max_digits=12)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["order", "project", "problem", "cause"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "cause": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(bureau_scope(user=user))


class RectificationForm(forms.ModelForm):
    class Meta:
        model = Rectification
        fields = [
            "order",
            "recommendation",
            "owner",
            "due_date",
            "status",
            "completed_on",
            "evidence",
            "provider",
        ]
        widgets = {
            "recommendation": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
            "due_date": DateInput(),
            "completed_on": DateInput(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the bureau's own providers (the finding's addressee in the portal).
        from contracts.selectors import provider_list

        if user is not None:
            self.fields["provider"].queryset = provider_list(user=user).order_by("name")

    def _post_clean(self):
        # The service checks "done needs a date and evidence" and reports it by field.
        pass

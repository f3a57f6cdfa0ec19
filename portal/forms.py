"""Forms of the provider portal: a service report with the period's output values, an
answer to a rectification; both with evidence files."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.forms import DateInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


EVIDENCE_HELP = _("PDF、JPG、PNG 或 OFD，每个不超过 20 MB，可多选。")


class ServiceReportForm(forms.Form):
    period_start = forms.DateField(label=_("报告期起"), widget=DateInput())
    period_end = forms.DateField(label=_("报告期止"), widget=DateInput())
    summary = forms.CharField(
        label=_("服务情况"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence = MultipleFileField(label=_("佐证文件"), required=False, help_text=EVIDENCE_HELP)

    def __init__(self, *args, indicators=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[f"indicator_{indicator.pk}"] = forms.DecimalField(
                label=f"{indicator.name}（{indicator.year}，{indicator.unit}）",
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                help_text=_("本期完成值"),
            )
        # The evidence last, after the values.
        self.order_fields(
            ["period_start", "period_end", "summary"]
            + [f"indicator_{i.pk}" for i in self.indicators]
            + ["evidence"]
        )

    def values(self) -> dict:
        return {i.pk: self.cleaned_data.get(f"indicator_{i.pk}") for i in self.indicators}


class RectificationResponseForm(forms.Form):
    text = forms.CharField(
        label=_("整改情况"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    evidence = MultipleFileField(label=_("佐证文件"), required=False, help_text=EVIDENCE_HELP)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)

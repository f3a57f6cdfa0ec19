"""What forms of more than one app share."""

from django import forms
from django.utils.translation import gettext_lazy as _


class StatusForm(forms.Form):
    """A status change: the status to move to (hidden; the button pressed sets it) and a
    reason. A subclass names its record's ``statuses`` (the choices of ``to_status``)."""

    statuses: list[tuple[str, str]] = []

    to_status = forms.ChoiceField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = self.statuses

from django import forms
from django.utils.translation import gettext_lazy as _

from imports import workbook as fmt


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("工作簿文件"),
        help_text=_("导入模板格式的 .xlsx，或以工作表命名的 .csv（如“支付.csv”），不超过 20 MB。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > fmt.MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB 的上限；请拆分为多个文件分批导入。"))
        return upload

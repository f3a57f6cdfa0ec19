from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import BureauScopedAdmin
from evaluations import services
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    GradeBand,
    GradeScale,
    IndicatorTemplate,
    OutputIndicator,
    TemplateRow,
)


class TemplateRowFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        weights = [
            form.cleaned_data["weight"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("weight")
        ]
        try:
            services.template_check(weights)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc


class SharedDataPermissions:
    """Templates and grade scales are shared by every bureau: only a superuser changes them
    (rows included; the roles' permissions do not reach shared data)."""

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class TemplateRowInline(SharedDataPermissions, admin.TabularInline):
    model = TemplateRow
    formset = TemplateRowFormSet
    extra = 0


class SharedDataAdmin(SharedDataPermissions, admin.ModelAdmin):
    pass


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(SimpleHistoryAdmin, SharedDataAdmin):
    list_display = ["name", "is_active"]
    inlines = [TemplateRowInline]


class GradeBandInline(SharedDataPermissions, admin.TabularInline):
    model = GradeBand
    extra = 0


@admin.register(GradeScale)
class GradeScaleAdmin(SharedDataAdmin):
    inlines = [GradeBandInline]


@admin.register(Evaluation)
class EvaluationAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    list_display = ["title", "year", "kind", "status", "bureau"]
    list_filter = ["year", "kind", "status"]


@admin.register(EvaluationRow)
class EvaluationRowAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    bureau_field = "evaluation__bureau"
    list_display = ["evaluation", "order", "level1", "level3", "weight", "score"]


@admin.register(OutputIndicator)
class OutputIndicatorAdmin(SimpleHistoryAdmin, BureauScopedAdmin):
    bureau_field = "project__bureau"
    list_display = ["project", "year", "name", "target", "actual", "unit"]
    list_select_related = ["project"]

"""数据导入: the template, 导出全部, upload → preview → confirm → progress → result, and the
bureau's import history. The checking and the applying run in Celery tasks, so a large
file never holds a web worker."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from accounts.mixins import BureauRequiredMixin
from core.views import PermissionMixin
from imports import export, runs, selectors, services, tasks
from imports import workbook as fmt
from imports.forms import UploadForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


class ImportPage(LoginRequiredMixin, BureauRequiredMixin, PermissionMixin, View):
    permission_required = "imports.view_importrun"


class ImportHomeView(ImportPage):
    template_name = "imports/home.html"

    def get(self, request, form=None):
        allowed = services.sheets_of(request.user)
        return render(
            request,
            self.template_name,
            {
                "form": form or UploadForm(),
                "runs": selectors.run_list(user=request.user),
                "sheets": fmt.SHEETS,
                "allowed": allowed,
                "can_import": bool(allowed),
            },
        )

    def post(self, request):
        if not services.sheets_of(request.user):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form=form)
        upload = form.cleaned_data["file"]
        run = runs.run_create(
            user=request.user,
            bureau=request.user.bureau,
            data=upload.read(),
            filename=upload.name,
        )
        transaction.on_commit(lambda: tasks.check_run.delay(run.pk))
        return redirect(run)


class TemplateView(ImportPage):
    def get(self, request):
        return _xlsx(export.template_bytes(), "导入模板.xlsx")


class ExportAllView(ImportPage):
    def has_permission(self):
        user = self.request.user
        return user.has_perm("imports.view_importrun") and user.has_perms(
            ["contracts.view_contract", "payments.view_payment"]
        )

    def get(self, request):
        day = timezone.localdate().isoformat()
        return _xlsx(export.workbook_bytes(request.user.bureau), f"导出全部-{day}.xlsx")


class RunView(ImportPage):
    def get(self, request, pk):
        run = selectors.run_get(user=request.user, pk=pk)
        problems = [p for p in run.problems if not p.get("warning")]
        warnings = [p for p in run.problems if p.get("warning")]
        return render(
            request,
            "imports/run.html",
            {
                "run": run,
                "progress": runs.progress_of(run),
                "counts": [(name, run.counts[name]) for name in fmt.BY_NAME if name in run.counts],
                "problems": problems,
                "warnings": warnings,
                "can_confirm": run.status == run.Status.CHECKED and run.user_id == request.user.pk,
            },
        )


class RunStatusView(ImportPage):
    def get(self, request, pk):
        run = selectors.run_get(user=request.user, pk=pk)
        return JsonResponse(
            {
                "status": run.status,
                "label": run.get_status_display(),
                "progress": runs.progress_of(run),
                "running": run.is_running,
            },
            json_dumps_params={"ensure_ascii": False},
        )


class ConfirmView(ImportPage):
    def post(self, request, pk):
        run = selectors.run_get(user=request.user, pk=pk)
        if run.user_id != request.user.pk:
            raise PermissionDenied
        before = run.status
        run = runs.run_confirm(user=request.user, run=run)
        if before == run.Status.CHECKED and run.status == run.Status.APPLYING:
            transaction.on_commit(lambda: tasks.apply_run.delay(run.pk))
        return redirect(run)

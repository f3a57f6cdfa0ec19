"""View mixins: the permission a view needs, and its object fetched through a selector.

An object view first looks its object up through the app's scoped selector (so another
bureau's record is a 404, exactly like a missing one), then checks the permission (403
for a role that may not do this). Menus hide what a role cannot use; these mixins are
what actually refuses it.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin


class PermissionMixin(PermissionRequiredMixin):
    """Refuse with 403 (not a login redirect) when a logged-in user lacks the permission."""

    raise_exception = True


class ScopedObjectMixin(PermissionMixin):
    """Fetch ``self.object`` with ``get_scoped_object()`` before checking permissions."""

    def get_scoped_object(self):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def get_object(self, queryset=None):
        return self.object

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = self.get_scoped_object()
        return super().dispatch(request, *args, **kwargs)


def history_visible(user) -> bool:
    """Change history is shown to the roles that review: manager, auditor and admin."""
    return user.has_perm("accounts.view_history")


class ServiceFormMixin:
    """``form_valid`` hands the data to one service; its ``ValidationError`` becomes form errors.

    A view defines ``perform(form)`` returning the saved object (or a redirect target),
    and optionally ``warnings(obj)`` and ``success_message``.
    """

    success_message = ""

    def get_form_kwargs(self):
        from accounts import inputs

        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if "data" in kwargs:
            kwargs["data"] = inputs.normalise_data(kwargs["data"])
        return kwargs

    def perform(self, form):  # pragma: no cover - every view defines it
        raise NotImplementedError

    def warnings(self, obj) -> list[str]:
        return []

    def form_valid(self, form):
        from django.contrib import messages
        from django.core.exceptions import ValidationError
        from django.shortcuts import redirect

        from accounts import inputs

        if inputs.form_refusals(form):
            return self.form_invalid(form)
        try:
            obj = self.perform(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        for warning in self.warnings(obj):
            messages.warning(self.request, warning)
        return redirect(self.get_success_url_for(obj))

    def get_success_url_for(self, obj):
        return obj.get_absolute_url()


def add_service_errors(form, exc) -> None:
    """Put a service's errors beside the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class BureauRequiredMixin:
    """Pages that record something for the user's own bureau need the user to have one."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.bureau is None:
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            messages.error(
                request, _("您的账户未分配单位，不能在此登记；请由系统管理员为账户指定单位。")
            )
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

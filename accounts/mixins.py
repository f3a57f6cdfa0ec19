"""View mixins that know the project's users: who must have a bureau.

The generic ones (permission, scoped object, service form, list and form pages) live in
core/views.py.
"""


class BureauRequiredMixin:
    """Pages that record something for the user's own bureau need the user to have one."""

    def dispatch(self, request, *args, **kwargs):
        from accounts.roles import Role

        if request.user.is_authenticated and request.user.has_role(Role.PROVIDER):
            # A provider's person has no bureau by design: a bureau's page is refused.
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        if request.user.is_authenticated and request.user.bureau is None:
            from django.contrib import messages
            from django.shortcuts import redirect
            from django.utils.translation import gettext as _

            messages.error(
                request, _("您的账户未分配单位，不能在此登记；请由系统管理员为账户指定单位。")
            )
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

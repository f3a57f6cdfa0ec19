"""Login (password, then a TOTP code where the bureau requires one), logout, password
change and reset by e-mail."""

import base64
import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from accounts import audit, services
from accounts.forms import LoginForm
from accounts.middleware import OTP_VERIFIED
from accounts.models import User

# The session key of a login waiting for its second factor, and how long it waits.
PENDING_LOGIN = "security:pending-login"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if services.otp_required(user):
            # The password was right; the session is not logged in until the code is.
            self.request.session[PENDING_LOGIN] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            step = "accounts:login-otp" if services.otp_device(user) else "accounts:otp-setup"
            return redirect(step)
        return super().form_valid(form)


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("动态口令"),
        regex=r"^\d{6}$",
        error_messages={"invalid": gettext_lazy("请输入手机验证器显示的 6 位数字。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PendingLoginMixin:
    """A step of a login whose password was right: the user waits in the session."""

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING_LOGIN)
        if not pending or time.time() - pending["at"] > PENDING_SECONDS:
            request.session.pop(PENDING_LOGIN, None)
            messages.info(request, _("登录已超时，请重新输入用户名和密码。"))
            return redirect("accounts:login")
        self.pending = pending
        self.user = User.objects.get(pk=pending["user"])
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, form):
        """A wrong code counts as a failed login of this account from this address
        (django-axes); at the limit, the lock-out page answers instead."""
        from axes.handlers.proxy import AxesProxyHandler

        credentials = {"username": self.user.get_username(), "otp": True}
        user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
        if AxesProxyHandler.is_locked(self.request, credentials):
            self.request.session.pop(PENDING_LOGIN, None)
            return lockout_response(self.request)
        form.add_error("token", _("动态口令不正确或已过期，请重新输入。"))
        return self.form_invalid(form)

    def locked(self):
        from axes.handlers.proxy import AxesProxyHandler

        credentials = {"username": self.user.get_username()}
        return AxesProxyHandler.is_locked(self.request, credentials)

    def complete(self):
        """Log the user in, verified with their second factor."""
        self.request.session.pop(PENDING_LOGIN, None)
        auth_login(self.request, self.user, backend=self.pending["backend"])
        self.request.session[OTP_VERIFIED] = True
        return redirect(self.pending["next"])


@method_decorator(login_not_required, name="dispatch")
class OtpLoginView(PendingLoginMixin, FormView):
    """Second step: the 6-digit code of the user's authenticator app."""

    template_name = "accounts/login_otp.html"
    form_class = TokenForm

    def form_valid(self, form):
        if self.locked():
            return lockout_response(self.request)
        device = services.otp_device(self.user)
        if device is None:
            return redirect("accounts:otp-setup")
        if not device.verify_token(form.cleaned_data["token"]):
            return self.refuse(form)
        return self.complete()


@method_decorator(login_not_required, name="dispatch")
class OtpSetupView(PendingLoginMixin, FormView):
    """First login where a code is required: bind an authenticator app (QR code made
    here, nothing loaded from elsewhere), prove it with its first code."""

    template_name = "accounts/otp_setup.html"
    form_class = TokenForm

    def get_context_data(self, **kwargs):
        device = services.otp_enrolment_device(self.user)
        return {
            **super().get_context_data(**kwargs),
            "qr_code": qr_data_uri(device.config_url),
            "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        }

    def form_valid(self, form):
        if self.locked():
            return lockout_response(self.request)
        if services.otp_device(self.user) is not None:
            return redirect("accounts:login-otp")
        device = services.otp_enrolment_device(self.user)
        token = form.cleaned_data["token"]
        if not services.otp_enrolment_confirm(
            user=self.user, device=device, token=token, request=self.request
        ):
            return self.refuse(form)
        return self.complete()


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI, drawn on the server (no CDN, no script)."""
    from io import BytesIO

    import qrcode
    import qrcode.image.svg

    buffer = BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")
    success_message = gettext_lazy("密码已修改。")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for the account's e-mail and sends a link valid PASSWORD_RESET_TIMEOUT."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    @property
    def extra_email_context(self):
        return {"reset_minutes": reset_minutes()}

    def form_valid(self, form):
        audit.record(
            audit.Kind.PASSWORD_RESET_REQUESTED,
            request=self.request,
            detail=form.cleaned_data["email"],
        )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reset_minutes": reset_minutes()}


def reset_minutes() -> int:
    from django.conf import settings

    return settings.PASSWORD_RESET_TIMEOUT // 60


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_changed(user=form.user, request=self.request, reset=True)
        return response


class InvitationAcceptView(PasswordResetConfirmView):
    """An invited person (a provider's) sets a password through the one-time link of the
    invitation e-mail, then signs in."""

    template_name = "accounts/invitation_accept.html"
    reset_url_token = "set-password"

    @property
    def token_generator(self):
        from accounts.tokens import invitation_token

        return invitation_token


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login sees (django-axes calls this instead of its default)."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "accounts/locked.html", context, status=429)

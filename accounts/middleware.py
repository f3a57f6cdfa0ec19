"""Request middleware: login everywhere, and Chinese unless the user chose otherwise."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    """Every view needs a login unless it is marked ``login_not_required``.

    Django's own middleware, named here so the rule has one home in this project. Pages
    send an anonymous visitor to the login page; the API answers 401 with a JSON body,
    which a program can read (a redirect to an HTML form it cannot).
    """

    def handle_no_permission(self, request, view_func):
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                {"detail": _("未登录或登录已过期，请先登录。")},
                status=401,
                json_dumps_params={"ensure_ascii": False},
            )
        return super().handle_no_permission(request, view_func)


class ChineseFirstLocaleMiddleware:
    """Activate the language the user picked (cookie), else zh-hans.

    Django's LocaleMiddleware would follow the browser's Accept-Language header, so a
    bureau PC with an English browser would open in English; the product is Chinese
    first and switches only when asked.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# --- security: sessions, login steps, headers, audit -------------------------------------

SESSION_STARTED = "security:started"
SESSION_LAST_SEEN = "security:last-seen"
OTP_VERIFIED = "security:otp-verified"
# A session's last activity is written at most this often (seconds): not on every request.
LAST_SEEN_GRANULARITY = 60


def session_start(sender=None, request=None, **kwargs) -> None:
    """A login starts the session's clocks (a ``user_logged_in`` receiver)."""
    import time

    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now


class SessionLimitsMiddleware:
    """Log out after ``SESSION_IDLE_TIMEOUT`` without a request, and in any case
    ``SESSION_ABSOLUTE_TIMEOUT`` after the login (30 minutes and 12 hours by default).

    The visitor then continues as anonymous: a page sends them to the login form, the
    API answers 401. The session's expiry in the database follows the idle timeout too
    (SESSION_COOKIE_AGE), so an abandoned session also ends on the server.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.contrib.auth import SESSION_KEY

        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.setdefault(SESSION_LAST_SEEN, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - last_seen > idle or now - started > absolute:
                self.expire(request, idle=now - last_seen > idle)
            elif now - last_seen >= LAST_SEEN_GRANULARITY:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def expire(request, *, idle: bool) -> None:
        from django.contrib import messages
        from django.contrib.auth import logout

        from accounts import audit

        reason = _("长时间未操作") if idle else _("登录已满 12 小时")
        audit.record(audit.Kind.SESSION_EXPIRED, request=request, detail=reason)
        logout(request)
        messages.info(request, _("%(reason)s，已自动退出，请重新登录。") % {"reason": reason})


class LoginStepsMiddleware:
    """What a logged-in user must do before anything else.

    - A user whose bureau requires a second factor and whose session was not verified
      with one (a session from before the bureau turned it on) logs in again.
    - A user whose password an administrator set changes it first.
    """

    ALWAYS_OPEN = ("accounts:password-change", "accounts:logout", "set_language")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        if authenticated and (response := self.step(request, user)):
            return response
        return self.get_response(request)

    def step(self, request, user):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.urls import reverse

        from accounts.services import otp_required

        if otp_required(user) and not request.session.get(OTP_VERIFIED):
            logout(request)
            messages.info(request, _("本单位登录须输入动态口令，请重新登录。"))
            return redirect(reverse("accounts:login"))
        if user.must_change_password:
            match = getattr(request, "resolver_match", None)
            if match is None:
                from django.urls import Resolver404, resolve

                try:
                    match = resolve(request.path_info)
                except Resolver404:
                    return None
            if match.view_name in self.ALWAYS_OPEN:
                return None
            if request.path_info.startswith(API_PREFIX):
                return JsonResponse(
                    {"detail": _("请先修改初始密码。")},
                    status=403,
                    json_dumps_params={"ensure_ascii": False},
                )
            messages.warning(request, _("您的密码由管理员设置，请先修改密码。"))
            return redirect(reverse("accounts:password-change"))
        return None


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy, and no caching of what the site serves.

    Django 5.2 has no CSP of its own; this small middleware sends the policy of
    ``settings.CONTENT_SECURITY_POLICY`` (no inline script anywhere: every script is a
    static file, data travels in ``json_script`` blocks and data- attributes). Static
    files are served by whitenoise before this runs; every other response (pages,
    exports, reports, the API) is personal or scoped, so none is stored by a browser or
    a proxy (``Cache-Control: no-store``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import add_never_cache_headers

        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        add_never_cache_headers(response)
        return response


class SecurityAuditMiddleware:
    """Records refused permission checks (403) and every file handed out (exports and
    reports: any attachment) in the security audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from accounts import audit

        response = self.get_response(request)
        if response.status_code == 403:
            audit.record(audit.Kind.PERMISSION_DENIED, request=request, detail=request.method or "")
        elif response.status_code == 200 and (
            filename := attachment_name(response.get("Content-Disposition", ""))
        ):
            kind = audit.Kind.EXPORT if filename.endswith(".xlsx") else audit.Kind.DOWNLOAD
            audit.record(kind, request=request, detail=filename)
        return response


def attachment_name(disposition: str) -> str | None:
    """The file name of an ``attachment`` Content-Disposition, or None for anything else."""
    from urllib.parse import unquote

    if not disposition.lower().startswith("attachment"):
        return None
    names = {}
    for part in disposition.split(";")[1:]:
        key, _sep, value = part.strip().partition("=")
        names[key.lower()] = value
    if "filename*" in names:
        return unquote(names["filename*"].split("''", 1)[-1])
    return names.get("filename", "").strip('"') or "attachment"

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

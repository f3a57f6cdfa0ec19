"""Request middleware: login everywhere, and Chinese unless the user chose otherwise."""

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils import translation


class LoginRequiredEverywhereMiddleware(LoginRequiredMiddleware):
    """Every view needs a login unless it is marked ``login_not_required``.

    Django's own middleware, named here so the rule has one home in this project.
    """


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

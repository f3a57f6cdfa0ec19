"""The password rule (等保 2.0 三级): at least 12 characters of three of the four kinds,
unlike the user's own name and details, and not on the common-password list.

The length, the likeness to the user's attributes and the common-password list are
Django's validators (settings.AUTH_PASSWORD_VALIDATORS); the kinds of characters are
checked here.
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Upper case, lower case, digits, symbols (anything else, Chinese characters included).
CLASSES = (
    str.isupper,
    str.islower,
    str.isdigit,
    lambda c: not (c.isupper() or c.islower() or c.isdigit()),
)


class CharacterClassesValidator:
    """A password mixes at least ``min_classes`` of upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(any(test(c) for c in password) for test in CLASSES)
        if used < self.min_classes:
            raise ValidationError(
                _("密码须至少包含大写字母、小写字母、数字、符号四类中的 %(n)d 类。")
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、符号四类中的 %(n)d 类。") % {
            "n": self.min_classes
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in Chinese (Django's own catalogue lacks the
    plural form for 12)."""

    def get_error_message(self):
        return _("密码太短：至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return _("至少 %(min_length)d 个字符。") % {"min_length": self.min_length}

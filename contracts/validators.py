"""Validators of the register: the unified social credit code (统一社会信用代码,
GB 32100-2015) and the range of years and dates a record may carry."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.inputs import FIRST_YEAR, LAST_YEAR


def year_range() -> list:
    """A year the register accepts: 2000 to 2100 (a typo such as 20244 is refused)."""
    message = _("年度应在 2000 至 2100 之间。")
    return [
        MinValueValidator(FIRST_YEAR, message=message),
        MaxValueValidator(LAST_YEAR, message=message),
    ]


def date_range() -> list:
    """A date in the years of :func:`year_range`; dates far off also break term arithmetic."""
    message = _("日期应在 2000 年至 2100 年之间。")
    return [
        MinValueValidator(datetime.date(FIRST_YEAR, 1, 1), message=message),
        MaxValueValidator(datetime.date(LAST_YEAR, 12, 31), message=message),
    ]


# The 31 characters of the code, in the order that gives their values 0..30
# (the letters I, O, S, V and Z are not used).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code_check_digit(first17: str) -> str:
    """The 18th character of a code whose first 17 are given (mod 31)."""
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)s 位。"),
            code="length",
            params={"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in CHARSET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、S、V、Z）。"),
            code="charset",
            params={"chars": "、".join(bad)},
        )
    expected = credit_code_check_digit(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "统一社会信用代码校验位不正确（按 GB 32100-2015 计算，第 18 位应为 %(expected)s），请核对。"
            ),
            code="check_digit",
            params={"expected": expected},
        )


def is_civil_affairs_social_organisation(code: str) -> bool:
    """Codes of social organisations registered by civil affairs start with 5 (民政),
    and those of social-service organisations (民办非企业单位) with 52."""
    return code.upper().startswith("52")

"""A row's cells, checked and typed by their column's kind, each problem in Chinese.

Pure functions over plain values: no database. ``parse_row`` returns the typed row
(column key → value) and the problems of its cells.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contracts.validators import validate_credit_code
from imports import workbook as fmt
from imports.reader import FormulaWithoutValue, Problem

ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
NAME_SEPARATORS = re.compile(r"[、,，;；]")


class CellError(ValueError):
    pass


def display(value) -> str:
    """A cell's value as a person reads it back in a problem list."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        return display(value)
    return str(value).strip()


def parse_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float):
        raise CellError(_("日期应为 Excel 日期或 YYYY-MM-DD 文本，不能是数字。"))
    text = str(value).strip()
    if " " in text and text.endswith("00:00:00"):
        text = text.split(" ")[0]
    found = ISO_DATE.match(text)
    if not found:
        raise CellError(_("日期格式无法识别，应为 YYYY-MM-DD。"))
    try:
        day = datetime.date(*(int(part) for part in found.groups()))
    except ValueError as exc:
        raise CellError(_("日期不存在。")) from exc
    if not (2000 <= day.year <= 2100):
        raise CellError(_("日期应在 2000 年至 2100 年之间。"))
    return day


def parse_money(value, *, allow_negative=False) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("金额应为数字。"))
    if isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(_("金额应为数字（以元为单位）。")) from exc
    if not amount.is_finite():
        raise CellError(_("金额应为数字（以元为单位）。"))
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError(_("金额最多两位小数（以元为单位）。"))
    if amount < 0 and not allow_negative:
        raise CellError(_("金额不能为负数。"))
    if abs(amount) >= Decimal("1e12"):
        raise CellError(_("金额过大，请核对单位（元）。"))
    return amount.quantize(Decimal("0.01"))


def parse_int(value) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    raise CellError(_("应为正整数。"))


def parse_cell(column: fmt.Column, value):
    if isinstance(value, FormulaWithoutValue):
        raise CellError(
            _(
                "单元格是公式且没有计算结果，系统不计算公式；请在 Excel 中重新计算保存，或粘贴为数值。"
            )
        )
    if column.kind == fmt.DATE:
        return parse_date(value)
    if column.kind == fmt.MONEY:
        return parse_money(value, allow_negative=column.allow_negative)
    if column.kind == fmt.INT:
        return parse_int(value)
    text = _text(value)
    if column.kind == fmt.CODE:
        code = text.upper()
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            raise CellError(" ".join(exc.messages)) from exc
        return code
    if column.kind == fmt.CHOICE:
        if text not in column.choices:
            raise CellError(
                _("应为以下之一：%(choices)s。") % {"choices": "、".join(column.choices)}
            )
        return text
    if column.kind == fmt.NAMES:
        return [name.strip() for name in NAME_SEPARATORS.split(text) if name.strip()]
    if len(text) > 500:
        raise CellError(_("内容过长（不超过 500 字）。"))
    return text


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_example(raw: tuple) -> bool:
    first = next((v for v in raw if not is_blank(v)), None)
    return isinstance(first, str) and first.strip().startswith(fmt.EXAMPLE_MARK)


def parse_row(
    sheet: fmt.Sheet, positions: dict[str, int], number: int, raw: tuple
) -> tuple[dict, list[Problem]]:
    row, problems = {}, []
    for column in sheet.columns:
        index = positions.get(column.key)
        value = raw[index] if index is not None and index < len(raw) else None
        if is_blank(value):
            if column.required:
                problems.append(Problem(sheet.name, number, column.header, _("必填，不能为空。")))
            row[column.key] = [] if column.kind == fmt.NAMES else None
            if column.kind == fmt.TEXT and not column.required:
                row[column.key] = ""
            continue
        try:
            row[column.key] = parse_cell(column, value)
        except CellError as exc:
            problems.append(
                Problem(sheet.name, number, column.header, str(exc), display(value)[:100])
            )
    return row, problems

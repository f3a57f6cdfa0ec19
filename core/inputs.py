"""What every input may hold: text that cannot break documents (Word, Excel), and dates
within the years the register keeps (2000–2100).

Tab and line feed are kept. Line breaks of other kinds are normalised to a line feed:
CR LF and CR (browsers send CR LF), and the vertical tab U+000B and form feed U+000C
that Word puts in pasted text. Every other control character (U+0000–U+001F, U+007F) is
refused with a message naming it, at the form (:func:`form_refusals`, run by every
service form view) and at the service (:func:`refuse_in_instance`, before any save of the
business apps' records), so neither a page, the API, the admin nor a script stores one.
Writers strip whatever an older record still holds (:func:`for_documents`).

A date outside 2000-01-01 … 2100-12-31 is refused beside its field at the form, before a
service does arithmetic with it, and by the models' validators (contracts.validators).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c]")
# What XML 1.0 (and so .docx and .xlsx) cannot hold, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What an input may hold after normalising: no CR either.
REFUSED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_DATE, LAST_DATE = datetime.date(FIRST_YEAR, 1, 1), datetime.date(LAST_YEAR, 12, 31)

# The apps whose records are checked before every save (the historical copies of them
# are checked through their originals).
CHECKED_APPS = frozenset({"accounts", "contracts", "payments", "evaluations"})
# Records of the accounts app that hold what a stranger typed (a failed login's user
# name): kept as typed, never written into a document.
UNCHECKED_MODELS = frozenset({"securityevent", "securityloganchor"})


def normalise(value: str) -> str:
    """Line breaks of every kind become a line feed."""
    return LINE_BREAKS.sub("\n", value)


def problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    found = REFUSED.search(value)
    if found is None:
        return None
    return _("不能包含控制字符 U+%(code)04X（第 %(position)s 个字符），请删除后重新输入。") % {
        "code": ord(found.group()),
        "position": found.start() + 1,
    }


def for_documents(value):
    """``value`` with what a document cannot hold removed (strings only)."""
    if isinstance(value, str):
        return CONTROL.sub("", value)
    return value


def normalise_data(data):
    """A copy of submitted form data with its line breaks normalised."""
    if data is None or not hasattr(data, "lists"):
        return data
    copy = data.copy()
    for key, values in data.lists():
        copy.setlist(key, [normalise(v) if isinstance(v, str) else v for v in values])
    return copy


def date_problem(value) -> str | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date) and not FIRST_DATE <= value <= LAST_DATE:
        return _("日期应在 %(first)s 年至 %(last)s 年之间。") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    return None


def form_refusals(form) -> bool:
    """Add an error beside every cleaned value that holds a control character or is a
    date out of range; True when there was one."""
    found = False
    for name, value in list(form.cleaned_data.items()):
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            message = problem(item) if isinstance(item, str) else date_problem(item)
            if message:
                form.add_error(name, message)
                found = True
                break
    return found


def refuse_in_instance(sender, instance, raw=False, update_fields=None, **kwargs):
    """pre_save: normalise the line breaks of a record's text fields and refuse any other
    control character, naming the field. A save of named fields checks only those (so a
    sign-in, which saves ``last_login`` alone, is never refused for an older record's text)."""
    meta = sender._meta
    if raw or meta.app_label not in CHECKED_APPS or meta.model_name in UNCHECKED_MODELS:
        return
    errors = {}
    for field in meta.concrete_fields:
        if field.get_internal_type() not in ("CharField", "TextField"):
            continue
        if update_fields is not None and field.name not in update_fields:
            continue
        value = getattr(instance, field.attname)
        if not isinstance(value, str):
            continue
        value = normalise(value)
        setattr(instance, field.attname, value)
        if message := problem(value):
            errors[field.name] = [f"{field.verbose_name}：{message}"]
    if errors:
        raise ValidationError(errors)

"""Change history as people read it: who changed which field from what to what, when.

Every financial record keeps its history (django-simple-history); a detail page shows it
to the roles that review (``history_visible``), through these functions.
"""

import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext


def history_visible(user) -> bool:
    """Change history is shown to the roles that review: manager, auditor and admin."""
    return user.has_perm("accounts.view_history")


def history_of(obj, *, limit: int = 50) -> list[dict]:
    """The change history of one record, newest first, each with its field changes."""
    return history_entries(obj.history.all(), model=type(obj), limit=limit)


def merged_history(*histories: list[dict], limit: int = 50) -> list[dict]:
    """Several histories (of a record and of the records under it) as one, newest first."""
    entries = [entry for history in histories for entry in history]
    return sorted(entries, key=lambda entry: entry["date"], reverse=True)[:limit]


def history_entries(records, *, model, limit: int = 50, label=None) -> list[dict]:
    """History rows (of one record or several of one model), newest first, with changes.

    A change is found by comparing a row with the previous row of the same record, in
    memory. Linked records are shown by name: their ids are resolved with one query per
    linked model, whatever the number of rows. Queries: one for the rows and their users,
    plus one per linked model that appears in a change.

    ``label(record)`` names the record a row belongs to, for histories of several records.
    """
    records = list(
        records.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    fields = {f.attname: f for f in model._meta.concrete_fields if f.attname not in {"id"}}
    # The previous row of each row, by record. One more row than shown is fetched, so the
    # oldest row shown of a single record has its predecessor; in a history of several
    # records those of the oldest rows shown are fetched with one more query.
    previous_of, latest = {}, {}
    for record in reversed(records):
        previous_of[record.history_id] = latest.get(record.id)
        latest[record.id] = record
    _find_missing_predecessors(records[:limit], previous_of)
    rows = []
    for record in records[:limit]:
        previous = previous_of[record.history_id]
        changes = []
        for attname, field in fields.items():
            if isinstance(field, models.JSONField) and field.default is dict:
                continue  # a cache of computed figures, not something a person changed
            if isinstance(field, models.DateTimeField) and field.default is timezone.now:
                continue  # when it was entered: the row's own time says it
            new = getattr(record, attname, None)
            if record.history_type == "+":
                old = None  # created: every value it was given
            elif record.history_type == "-":
                old, new = new, None  # deleted: every value it had
            elif previous is not None:
                old = getattr(previous, attname, None)
            else:
                continue
            if old != new and not (_empty(old) and _empty(new)):
                changes.append((field, old, new))
        if changes or record.history_change_reason or previous is None:
            # A save that changed nothing and said nothing is not a change.
            rows.append((record, changes))
    names = _linked_names(change for _record, changes in rows for change in changes)
    return [
        {
            "date": record.history_date,
            "user": record.history_user,
            "type": record.get_history_type_display(),
            "reason": record.history_change_reason or "",
            "object": label(record) if label else "",
            "changes": [
                {
                    "field": field.verbose_name,
                    "old": _display(field, old, names),
                    "new": _display(field, new, names),
                }
                for field, old, new in changes
            ],
        }
        for record, changes in rows
    ]


def _find_missing_predecessors(records, previous_of) -> None:
    """In a history of several records, the oldest change shown of a record may have its
    predecessor beyond the rows fetched: one more query finds them."""
    missing = [r for r in records if r.history_type == "~" and previous_of[r.history_id] is None]
    if not missing:
        return
    history = type(missing[0])
    older = history.objects.filter(
        id__in={r.id for r in missing}, history_id__lt=max(r.history_id for r in missing)
    ).order_by("-history_id")
    by_record: dict = {}
    for row in older:
        by_record.setdefault(row.id, []).append(row)
    for record in missing:
        previous_of[record.history_id] = next(
            (row for row in by_record.get(record.id, []) if row.history_id < record.history_id),
            None,
        )


def _linked_names(changes) -> dict:
    """``{model: {pk: name}}`` for the linked records named in ``changes``, one query each."""
    wanted: dict = {}
    for field, old, new in changes:
        if field.is_relation:
            ids = wanted.setdefault(field.related_model, set())
            ids.update(value for value in (old, new) if value is not None)
    names = {}
    for related, ids in wanted.items():
        # A name often reads a linked record of its own (an award is "project · provider").
        forward = [f.name for f in related._meta.concrete_fields if f.is_relation]
        queryset = related._base_manager.filter(pk__in=ids).select_related(*forward)
        names[related] = {obj.pk: str(obj) for obj in queryset}
    return names


# The shape of every money field (contracts.models.MONEY): yuan, to the fen.
MONEY_SHAPE = (14, 2)


def _is_money(field) -> bool:
    shape = (getattr(field, "max_digits", None), getattr(field, "decimal_places", None))
    return shape == MONEY_SHAPE


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _display(field, value, names=None):
    if _empty(value):
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, Decimal) and _is_money(field):
        return gettext("%(amount)s 元") % {"amount": f"{value:,.2f}"}
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        # A record deleted since keeps its number.
        return (names or {}).get(field.related_model, {}).get(value, f"#{value}")
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, datetime.datetime):
        # Stored in UTC to the microsecond; people read local time to the minute.
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value

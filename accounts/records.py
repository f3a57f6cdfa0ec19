"""The one way a service saves a financial record: validated, its actor in the history,
the bureau's cached figures moved on.

Every app's services save through ``record_save`` so no write forgets the history user
or the cache token (accounts/caching.py), and refuse through ``require`` with the same
message; a status change checks its move through ``require_move``.
"""

import contextlib
import contextvars
import datetime
import functools
import io
import operator
import queue
import re
import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.caching import bureau_of, records_changed

# Where the records being saved come from, when not from a person's form: an import
# names its file and row (imports/services.py), and every history row saved meanwhile
# carries it after its own reason.
_source = contextvars.ContextVar("record_source", default="")


@contextmanager
def recorded_from(source: str):
    """Name ``source`` (such as ``导入 台账.xlsx 支付!12``) in the history of every record
    saved inside the block."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def change_reason(reason: str = "") -> str:
    """A history row's reason: ``reason`` and, inside :func:`recorded_from`, its source."""
    source = _source.get()
    return "；".join(part for part in (reason, source) if part)


def record_save(instance, *, actor, reason: str = ""):
    """Validate and save one record, naming the actor (and the reason) in its history."""
    instance.full_clean()
    instance._history_user = actor
    reason = change_reason(reason)
    if reason:
        instance._change_reason = reason
    instance.save()
    records_changed(bureau_of(instance))
    return instance


# Inside many_writes(): what does not change while one import runs, worked out once:
# the actor's permissions (asked through every authentication backend at each call,
# ~15 µs, a dozen times per installment; Django keeps them on the user object already),
# the phrases of history reasons and the status labels in the active language (~5 µs a
# gettext).
_memos = contextvars.ContextVar("record_memos", default=None)


@contextmanager
def many_writes():
    """Many writes of one actor in one transaction (an import): permissions and the
    phrases of history reasons are worked out once each (:func:`allowed`,
    :func:`phrase`, :func:`once`)."""
    token = _memos.set({})
    try:
        yield
    finally:
        _memos.reset(token)


def once(key, compute):
    """``compute()``, once per ``key`` inside :func:`many_writes` (every time outside)."""
    memos = _memos.get()
    if memos is None:
        return compute()
    try:
        return memos[key]
    except KeyError:
        found = memos[key] = compute()
        return found


def allowed(actor, permission: str) -> bool:
    """``actor.has_perm(permission)``, asked once per actor inside :func:`many_writes`."""
    return once(("perm", actor.pk, permission), lambda: actor.has_perm(permission))


def phrase(message: str) -> str:
    """``gettext(message)``, once per message inside :func:`many_writes`: a reason's
    fixed part (marked for translation with ``gettext_noop`` where it is defined)."""
    return once(("phrase", message), lambda: _(message))


def require(actor, permission: str) -> None:
    """Refuse a service call the actor's roles do not allow."""
    if not allowed(actor, permission):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def require_move(actor, transitions, statuses, source: str, to_status: str, refusal: str) -> None:
    """Refuse a status change that ``transitions`` ((from, to) → the permission it takes)
    does not list, saying ``refusal`` with the two statuses' labels, or that the actor's
    roles do not allow."""
    permission = transitions.get((source, to_status))
    if permission is None:
        raise ValidationError(
            refusal % {"source": statuses(source).label, "target": statuses(to_status).label}
        )
    require(actor, permission)


@functools.cache
def values_of(model, names: tuple[str, ...] = ()):
    """A function giving a record's field values (``names``, by default its concrete
    fields' attnames, in their order) as a tuple, in one C call."""
    names = names or tuple(f.attname for f in model._meta.concrete_fields)
    if len(names) == 1:
        return lambda record: (getattr(record, names[0]),)
    return operator.attrgetter(*names)


class BulkHistory:
    """The history of records saved in bulk (``bulk_create``), as :func:`record_save`
    would have written it one save at a time: each saved state's field values, the actor
    and the reason (with the source of :func:`recorded_from` where the state was made).

    Call :meth:`saved` at each state in memory, then :meth:`write` once the records have
    been inserted (their primary and foreign keys are known then)."""

    BATCH = 2000

    def __init__(self, actor):
        self.actor = actor
        self.states: list[tuple] = []
        self._plans: dict[type, tuple] = {}

    def saved(
        self, record, kind: str = "+", reason: str = "", *, whole_reason: str | None = None
    ) -> None:
        """``record`` is saved as it is now: "+" created, "~" changed; ``whole_reason``
        replaces ``reason`` and the source when the caller made it with them already."""
        values = values_of(type(record))(record)
        reason = change_reason(reason) if whole_reason is None else whole_reason
        self.states.append((record, values, kind, reason, timezone.now()))

    def _plan(self, cls):
        """How a state of a ``cls`` record becomes a row of its history model: the history
        model, its columns (attnames), for each column where its value comes from (the
        position in the record's values, or the name of a history field), and the
        positions of the keys that may be unknown in memory."""
        if cls not in self._plans:
            model = cls.history.model  # the manager is built at each access
            fields = cls._meta.concrete_fields
            position = {f.attname: i for i, f in enumerate(fields)}
            names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
            sources = [position.get(name, name) for name in names]
            late = [i for i, f in enumerate(fields) if f.primary_key or f.is_relation]
            self._plans[cls] = (model, names, sources, late, [f.attname for f in fields])
        return self._plans[cls]

    def write(self) -> None:
        rows: dict[type, tuple[list, list]] = {}
        for record, values, kind, reason, when in self.states:
            model, names, sources, late, attnames = self._plan(type(record))
            values = list(values)
            for i in late:
                # Keys unknown in memory (the record's own, a new parent's) are set now.
                if values[i] is None:
                    values[i] = getattr(record, attnames[i])
            extra = {
                "history_date": when,
                "history_type": kind,
                "history_change_reason": reason or None,
                "history_user_id": self.actor.pk,
            }
            row = [values[s] if type(s) is int else extra.get(s) for s in sources]
            rows.setdefault(model, (names, []))[1].append(row)
        for model, (names, values) in rows.items():
            insert_values(model, names, values)
        self.states = []


PLAIN_FIELDS = {
    models.AutoField,
    models.BigAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.CharField,
    models.TextField,
    models.DateField,
    models.DateTimeField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
    # A Decimal as it is: the record's full_clean held it to the field's places, and
    # the database keeps it at the column's scale either way.
    models.DecimalField,
}


def reserve_keys(model, records: list) -> bool:
    """On PostgreSQL, give the records without a key one from the table's sequence (their
    rows can then be inserted later, after rows that name them: the foreign keys are
    checked at the commit) and return True; elsewhere a key comes with the INSERT."""
    if connection.vendor != "postgresql":
        return False
    missing = [record for record in records if record.pk is None]
    if missing:
        opts = model._meta
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [opts.db_table, opts.pk.column, len(missing)],
            )
            keys = [key for (key,) in cursor.fetchall()]
        for record, key in zip(missing, keys, strict=True):
            setattr(record, opts.pk.attname, key)
    return True


def insert_records(model, records: list, batch: int = 2000) -> None:
    """``model.objects.bulk_create(records)``: on PostgreSQL the records without a key
    get one from the table's sequence (:func:`reserve_keys`), then the rows go in with
    COPY (bulk_create's INSERT … RETURNING prepares every value of every row through the
    ORM). Each record is left saved, with its key, as bulk_create leaves it."""
    if not records:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(records, batch_size=batch)
        return
    opts = model._meta
    if opts.parents:
        raise ValueError("a model with parents: use bulk_create")
    reserve_keys(model, records)
    for record in records:
        record._prepare_related_fields_for_save(operation_name="bulk_create")
    fields = opts.concrete_fields
    names = [f.attname for f in fields]
    insert_values(
        model, names, [[f.pre_save(r, True) for f in fields] for r in records], batch, keys=True
    )
    for record in records:
        record._state.adding = False
        record._state.db = connection.alias


def insert_values(
    model, names: list[str], values: list[list], batch: int = 2000, *, keys: bool = False
) -> None:
    """INSERT rows of ``model``, each a list of the values of the fields ``names``
    (attnames), its own key left to the database unless ``keys``: ``bulk_create``
    without making a model instance per row (history rows by the hundred thousand)."""
    if not keys and model._meta.pk.attname in names:
        raise ValueError("the key is left to the database")
    if not values:
        return
    fields = [next(f for f in model._meta.concrete_fields if f.attname == n) for n in names]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    table = quote(model._meta.db_table)
    if connection.vendor != "postgresql":
        values = [
            [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
            for row in values
        ]
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
        return
    # Values psycopg2 and COPY take as they are (dates, times, text, numbers, keys) skip
    # the field's preparation, the costliest part of an insert made this way.
    prepared = [i for i, f in enumerate(fields) if type(f) not in PLAIN_FIELDS]
    if prepared:
        for row in values:
            for i in prepared:
                row[i] = fields[i].get_db_prep_save(row[i], connection)
    with connection.cursor() as cursor:
        try:
            text = copy_text(values)
        except TypeError:  # a value COPY's text form is not written for here
            from psycopg2.extras import execute_values

            if _copies.get() is not None:
                _copies.get().wait()  # after the COPYs sent before it
            with connection.wrap_database_errors:
                execute_values(
                    cursor.cursor,
                    f"INSERT INTO {table} ({columns}) VALUES %s",
                    values,
                    page_size=batch,
                )
            return
        # COPY, as bench/generate.py loads its rows: no statement to build and parse per
        # row. The same rows, checks and constraints as an INSERT.
        sql = f"COPY {table} ({columns}) FROM STDIN"
        # As UTF-8 bytes: a str with one Chinese character takes 2 bytes a character,
        # and a StringIO of it 4.
        data = text.encode()
        del text
        copies = _copies.get()
        if copies is not None:
            copies.send(sql, data)
            return
        with connection.wrap_database_errors:  # IntegrityError, as an INSERT raises it
            cursor.cursor.copy_expert(sql, io.BytesIO(data))


_copies = contextvars.ContextVar("copies", default=None)


@contextmanager
def copies_meanwhile():
    """Inside the block, on PostgreSQL, the rows :func:`insert_values` COPYs are sent by a
    thread of their own, on the same connection and in the same transaction, while this
    one goes on (the database works on them meanwhile, on the other core). Before any
    other statement of the connection, and at the end of the block, every COPY sent is
    waited for, in order; a COPY that failed raises its error then (IntegrityError…), so
    the transaction is rolled back as if the INSERT had failed where it was made."""
    if connection.vendor != "postgresql":
        yield
        return
    copies = _Copies(connection)
    token = _copies.set(copies)
    try:
        with connection.execute_wrapper(copies.before_statement):
            yield
        copies.wait()
    except BaseException:
        # Left early (a dry run rolling back, a problem found): the COPYs sent are still
        # done first, and one that failed is the error that counts, as an INSERT's would
        # have been where it was made; a dry run must not call such a file clean.
        _copies.reset(token)
        copies.close()
        copies._raise()
        raise
    _copies.reset(token)
    copies.close()


class _Copies:
    """The thread sending :func:`copies_meanwhile`'s COPYs, one after the other."""

    def __init__(self, connection):
        self.connection = connection
        self.queue: queue.Queue = queue.Queue(maxsize=2)  # ~10 MB of rows each at most
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="copies", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            try:
                if job is None:
                    return
                cursor, sql, data = job
                try:
                    with contextlib.closing(cursor):
                        if self.error is None:
                            cursor.copy_expert(sql, io.BytesIO(data))
                except BaseException as exc:  # raised again by the thread that sent it
                    self.error = self.error or exc
            finally:
                job = data = None  # the rows sent are not kept while the next are awaited
                self.queue.task_done()

    def send(self, sql: str, data: bytes) -> None:
        self._raise()
        self.connection.ensure_connection()
        self.queue.put((self.connection.connection.cursor(), sql, data))

    def wait(self) -> None:
        """Until every COPY sent has been done; a failed one's error raised here."""
        self.queue.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            with self.connection.wrap_database_errors:
                raise error

    def before_statement(self, execute, sql, params, many, context):
        self.wait()
        return execute(sql, params, many, context)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


# PostgreSQL's COPY text form: a tab between columns, \N for NULL, and these escaped.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
# Written as str() writes them (PostgreSQL reads True/False, dates and times in ISO form).
COPY_AS_TEXT = {int, bool, Decimal, uuid.UUID, datetime.date, datetime.datetime}


def copy_text(values: list[list]) -> str:
    """Rows as PostgreSQL's ``COPY … FROM STDIN`` reads them (text form); a value of
    another type than those written here raises ``TypeError``. Worked out column by
    column: a column's types are looked at once, and text without a character to
    escape, or values of one plain type, are written without a Python step per value."""
    if not values:
        return ""
    columns = []
    for column in zip(*values, strict=True):
        kinds = set(map(type, column))
        nulls = type(None) in kinds
        kinds.discard(type(None))
        if all(issubclass(kind, str) for kind in kinds):  # a status (TextChoices) too
            present = [value for value in column if value is not None] if nulls else column
            if COPY_SPECIAL.search("".join(present)):
                columns.append([_copy_value(value) for value in column])
            else:
                columns.append(["\\N" if v is None else v for v in column] if nulls else column)
        elif kinds <= COPY_AS_TEXT:
            if nulls:
                columns.append(["\\N" if v is None else str(v) for v in column])
            else:
                columns.append(list(map(str, column)))
        else:
            raise TypeError(kinds)
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _copy_value(value: str | None) -> str:
    """Text (or NULL) as COPY reads it: only the text columns with a character to escape
    come here."""
    return "\\N" if value is None else str.translate(value, COPY_ESCAPES)

"""The demo (``load_demo``) built once per test database and copied into each test that
asks for it.

Most tests start from an empty database (their ``bureau`` and ``staff`` would collide with
the demo's), so the demo cannot stay in the database for the whole session. Instead the
first test that asks for it runs ``load_demo`` inside a savepoint, reads back every row the
command wrote and rolls it back. Each demo test then writes those rows again, one
multi-row INSERT per table (milliseconds, where ``load_demo`` takes seconds), inside its
own transaction, which rolls them back with whatever the test changed.

The rows are given ids from 1,000,000 up, so records a test makes before or after the copy
never take the same id. They refer to rows the migrations installed (the roles, the
shipped indicator templates and grade scales): a test that commits (a live server, a real
worker) ends by emptying the database, after which the post-migrate handlers install
those rows again under new ids. The copy keeps a fingerprint of the rows it refers to and
would otherwise have to be taken again. Instead the copy also keeps every row the
migrations installed (its baseline) and, when the rows it refers to have changed, puts the
baseline back (the same rows under their first ids) before writing the demo: the browser
tests, which commit, then get the demo in milliseconds instead of a second ``load_demo``.
"""

import hashlib
import io

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.fields import AutoFieldMixin
from django.test.utils import override_settings

FIRST_ID = 1_000_000
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class _RollBack(Exception):
    """Leaves the savepoint the demo was built in."""


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _models_by_table() -> dict:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def _auto_pk(model) -> str | None:
    pk = model._meta.pk
    return pk.column if isinstance(pk, AutoFieldMixin) else None


def _read(table: str) -> list:
    """Every row of ``table``, in a form ``_write`` takes back and that can be compared."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT to_json(t)::text FROM {_quote(table)} t")
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT * FROM {_quote(table)}")
        columns = tuple(c[0] for c in cursor.description)
        return sorted(((columns, row) for row in cursor.fetchall()), key=lambda r: repr(r[1]))


def _write(table: str, rows: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # JSON carries every type exactly (numeric as written, timestamps with offset).
            cursor.execute(
                f"INSERT INTO {_quote(table)} "
                f"SELECT * FROM json_populate_recordset(NULL::{_quote(table)}, %s::json)",
                ["[" + ",".join(rows) + "]"],
            )
            return
        columns = rows[0][0]
        per_statement = max(1, 900 // len(columns))  # SQLite's limit on parameters
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in chunk)
            cursor.execute(
                f"INSERT INTO {_quote(table)} ({', '.join(map(_quote, columns))}) VALUES {values}",
                [value for _columns, row in chunk for value in row],
            )


def _raise_ids_to(first_id: int, tables: dict) -> None:
    """Let the next id of every table (with an auto id) be at least ``first_id``."""
    with connection.cursor() as cursor:
        for table, model in tables.items():
            column = _auto_pk(model)
            if column is None:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(s, GREATEST(%s, nextval(s))) "
                    "FROM (SELECT pg_get_serial_sequence(%s, %s) AS s) AS sequence",
                    [first_id, _quote(table), column],
                )
            else:
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s",
                    [first_id, table],
                )
                if cursor.rowcount == 0:
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                        [table, first_id],
                    )


def _move_sequences_past(tables: dict) -> str:
    """PostgreSQL: one statement moving each table's id sequence past the ids written by
    hand, which do not move it, so that records made next follow them. ('' elsewhere:
    SQLite's AUTOINCREMENT follows the largest id by itself.)"""
    if connection.vendor != "postgresql":
        return ""
    moves = []
    for table, model in tables.items():
        column = _auto_pk(model)
        if column is None:
            continue
        sequence = f"pg_get_serial_sequence('{_quote(table)}', '{column}')"
        moves.append(
            f"setval({sequence}, GREATEST(nextval({sequence}), "
            f"(SELECT MAX({_quote(column)}) FROM {_quote(table)})))"
        )
    return "SELECT " + ", ".join(moves) if moves else ""


class DemoSnapshot:
    """The rows ``load_demo`` writes, taken once and copied into each test that asks."""

    def __init__(self):
        self.rows: dict[str, list] = {}
        self.referenced: list[str] = []
        self.fingerprint = None
        self.baseline: dict[str, list] = {}
        self.move_sequences = ""
        self.builds = 0

    def restore(self) -> None:
        """Write the demo into the current transaction (building it first if need be)."""
        if self.fingerprint is not None and self._fingerprint() != self.fingerprint:
            self._restore_baseline()
            if self._fingerprint() != self.fingerprint:
                self._build()
        elif self.fingerprint is None:
            self._build()
        # One transaction (a savepoint inside a test's): the rows refer to each other, and
        # the foreign keys are checked at its end.
        with transaction.atomic():
            for table, rows in self.rows.items():
                _write(table, rows)
            if self.move_sequences:
                with connection.cursor() as cursor:
                    cursor.execute(self.move_sequences)

    def _restore_baseline(self) -> None:
        """After a committing test emptied the database (the post-migrate handlers then
        install the roles, permissions and templates again under new ids), put back the
        rows the migrations had installed, under their first ids. Only on a database that
        holds none of the demo's tables' rows: a test's own records are never replaced."""
        with connection.cursor() as cursor:
            for table in self.rows:
                cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")
                if cursor.fetchone():
                    return
        tables = _models_by_table()
        with transaction.atomic():
            # Foreign keys are checked at the commit: the rows refer to each other again by then.
            with connection.cursor() as cursor:
                for table in self.baseline:
                    cursor.execute(f"DELETE FROM {_quote(table)}")
            for table, rows in self.baseline.items():
                _write(table, rows)
            moves = _move_sequences_past({t: tables[t] for t in self.baseline})
            if moves:
                with connection.cursor() as cursor:
                    cursor.execute(moves)
        ContentType.objects.clear_cache()

    def _fingerprint(self) -> str:
        digest = hashlib.sha256()
        for table in self.referenced:
            digest.update(repr((table, _read(table))).encode())
        return digest.hexdigest()

    def _build(self) -> None:
        tables = _models_by_table()
        existing = set(connection.introspection.table_names())
        tables = {t: m for t, m in tables.items() if t in existing}
        before = {table: _read(table) for table in tables}
        try:
            with (
                override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS),
                transaction.atomic(),
            ):
                _raise_ids_to(FIRST_ID, tables)
                call_command("load_demo", "--without-notices", verbosity=0, stdout=io.StringIO())
                after = {table: _read(table) for table in tables}
                raise _RollBack
        except _RollBack:
            pass
        written = {t: rows for t, rows in after.items() if rows != before[t]}
        mixed = sorted(t for t in written if before[t])
        if mixed:
            # Rows of the test's own (or changed rows of the migrations') would be copied
            # into every demo test: the demo must be built on an empty database.
            raise RuntimeError(f"load_demo wrote into tables that already had rows: {mixed}")
        self.rows = written
        self.referenced = sorted(
            {
                field.related_model._meta.db_table
                for table in written
                for field in tables[table]._meta.concrete_fields
                if field.is_relation
            }
            - set(written)
        )
        # The rows the migrations installed, put back by _restore_baseline.
        self.baseline = {t: rows for t, rows in before.items() if rows and t not in written}
        self.move_sequences = _move_sequences_past({t: tables[t] for t in written})
        self.fingerprint = self._fingerprint()
        self.builds += 1

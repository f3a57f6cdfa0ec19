"""Posted payments cannot be deleted on SQLite either (0002 refused only UPDATE there).

Django's test flush empties SQLite tables with DELETE; the project's ``flush`` command
(payments/management/commands/flush.py) sets this trigger aside while it empties the
database, as PostgreSQL's TRUNCATE passes over row triggers.
"""

from django.db import migrations

MESSAGE = "posted payments are immutable; post a reversing payment instead"

SQLITE_FORWARD = f"""
CREATE TRIGGER payments_payment_no_delete BEFORE DELETE ON payments_payment
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS payments_payment_no_delete;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_constraint_messages")]

    operations = [migrations.RunPython(forward, backward)]

"""Posted payments are immutable: the database itself refuses to change them.

UPDATE is refused on every backend. DELETE is refused on PostgreSQL; SQLite keeps it,
because Django's test flush empties tables with DELETE (PostgreSQL uses TRUNCATE, which
row triggers do not see). The application offers no way to delete a payment anywhere.
"""

from django.db import migrations

MESSAGE = "posted payments are immutable; post a reversing payment instead"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION payments_payment_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_payment_no_update BEFORE UPDATE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_immutable();
CREATE TRIGGER payments_payment_no_delete BEFORE DELETE ON payments_payment
    FOR EACH ROW EXECUTE FUNCTION payments_payment_immutable();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS payments_payment_no_update ON payments_payment;
DROP TRIGGER IF EXISTS payments_payment_no_delete ON payments_payment;
DROP FUNCTION IF EXISTS payments_payment_immutable();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER payments_payment_no_update BEFORE UPDATE ON payments_payment
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS payments_payment_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]

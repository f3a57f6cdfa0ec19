"""The security audit log is append-only: the database itself refuses to change it.

UPDATE is refused always; DELETE is refused for entries younger than 180 days, the least
retention (accounts/audit.py purges only older ones). The project's ``flush`` command
sets the DELETE trigger aside on SQLite while it empties the database, as PostgreSQL's
TRUNCATE passes over row triggers (see payments migrations 0002 and 0006).
"""

from django.db import migrations

MESSAGE = "the security audit log is append-only"
TABLE = "accounts_securityevent"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION accounts_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.created_at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_securityevent_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_securityevent_append_only();
CREATE TRIGGER accounts_securityevent_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accounts_securityevent_append_only();
"""
POSTGRES_BACKWARD = f"""
DROP TRIGGER IF EXISTS accounts_securityevent_no_update ON {TABLE};
DROP TRIGGER IF EXISTS accounts_securityevent_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS accounts_securityevent_append_only();
"""
# Django keeps SQLite datetimes as UTC text ("2026-12-03 17:37:25.123456"), which
# compares as text with datetime('now', ...).
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER accounts_securityevent_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
    f"""
CREATE TRIGGER accounts_securityevent_no_delete BEFORE DELETE ON {TABLE}
WHEN OLD.created_at >= datetime('now', '-180 days')
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_securityevent_no_update;",
    "DROP TRIGGER IF EXISTS accounts_securityevent_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_security_duties_audit_log")]

    operations = [migrations.RunPython(forward, backward)]

"""PostgreSQL session defaults for the app's role in its database: jit off, timezone UTC.

They used to be a connection option (``-c jit=off``), which PgBouncer refuses. Set on the
role in this database, every new session starts with them, pooled or not:

- JIT compiling took longer than running the reminder scan and the city-wide roll-up
  (bench/README.md);
- in UTC Django sends no ``SET TIME ZONE`` on each new connection.

An ordinary role may set its own defaults; a database restored elsewhere, or an app that
connects as another role than the one that migrated, needs the two statements again
(README, "Backup and restore").
"""

from django.db import migrations

SQL = """
DO $$ BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET jit = off',
                   current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I SET timezone = %L',
                   current_user, current_database(), 'UTC');
END $$;
"""

REVERSE_SQL = """
DO $$ BEGIN
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET jit', current_user, current_database());
    EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET timezone',
                   current_user, current_database());
END $$;
"""


def session_defaults(apps, schema_editor, sql=SQL):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql, params=None)  # no %-interpolation: format() uses %I


def reset_session_defaults(apps, schema_editor):
    session_defaults(apps, schema_editor, sql=REVERSE_SQL)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_superuser_without_bureau")]

    operations = [migrations.RunPython(session_defaults, reset_session_defaults)]

"""``flush``, which on SQLite sets the DELETE triggers aside while it empties the tables.

Posted payments are refused DELETE by a trigger (payments migration 0006). Emptying the whole
database is another matter: on PostgreSQL ``flush`` runs TRUNCATE, which row triggers
do not see; on SQLite it runs DELETE, so the triggers are dropped for the flush and put
back, unchanged, in the same transaction. Django's transactional tests flush this way.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        if options["interactive"]:
            # Asked before the write lock is taken, not while holding it.
            confirm = input(
                "You have requested a flush of the database.\n"
                f'This will IRREVERSIBLY DESTROY all data currently in the "{connection.settings_dict["NAME"]}" database,\n'
                "and return each table to an empty state.\n"
                "Are you sure you want to do this?\n\n"
                "    Type 'yes' to continue, or 'no' to cancel: "
            )
            if confirm != "yes":
                self.stdout.write("Flush cancelled.")
                return
            options = {**options, "interactive": False}
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND sql LIKE '%BEFORE DELETE ON%'"
                )
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)

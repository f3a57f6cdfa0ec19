"""The app through PgBouncer in transaction mode, the pooler a city-wide install puts in
front of PostgreSQL: PgBouncer is Debian's, started here on a free port.

Transaction mode hands each transaction whichever server connection is free, so nothing
may rely on the session: no startup options (PgBouncer refuses them, hence jit and the
time zone set on the role by accounts 0007), no server-side cursor across transactions
(DJANGO_DB_TRANSACTION_POOLING=1 turns them off).
"""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from tests.config.conftest import free_port, project_env, run_project

pytestmark = pytest.mark.django_db(transaction=True)


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(found).exists():
        message = "pgbouncer not found (Debian package pgbouncer)"
        if os.environ.get("REQUIRE_PGBOUNCER") == "1":
            pytest.fail(message + " and REQUIRE_PGBOUNCER=1", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture
def pgbouncer():
    """``(port, database settings)`` of a transaction-mode PgBouncer before the test
    database, with two server connections for however many clients."""
    if connection.vendor != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL: run with DATABASE_URL=postgres://…")
    binary = _pgbouncer_binary()
    db = connection.settings_dict
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)  # PgBouncer drops root for the postgres user, who reads it
    user = db.get("USER") or "postgres"
    (folder / "users.txt").write_text(f'"{user}" "{db.get("PASSWORD") or ""}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = {'md5' if db.get('PASSWORD') else 'trust'}\n"
        f"auth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\n"
    )
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        command[1:1] = ["-u", pwd.getpwnam("postgres").pw_name]
    log = open(folder / "pgbouncer.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            try:
                psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname=db["NAME"]).close()
                break
            except psycopg2.OperationalError:
                time.sleep(0.1)
        else:
            pytest.fail(f"pgbouncer did not start: {(folder / 'pgbouncer.log').read_text()}")
        yield port, {**db, "HOST": "127.0.0.1", "PORT": port, "USER": user}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_pgbouncer_refuses_the_old_connection_option(pgbouncer):
    port, db = pgbouncer
    with pytest.raises(psycopg2.OperationalError, match="unsupported startup parameter: options"):
        psycopg2.connect(
            host="127.0.0.1", port=port, user=db["USER"], dbname=db["NAME"], options="-c jit=off"
        )


def test_the_settings_send_no_connection_options(settings):
    assert "options" not in settings.DATABASES["default"].get("OPTIONS", {})


def test_the_role_starts_every_session_with_jit_off_and_utc(pgbouncer):
    port, db = pgbouncer
    with psycopg2.connect(host="127.0.0.1", port=port, user=db["USER"], dbname=db["NAME"]) as conn:
        cursor = conn.cursor()
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
        cursor.execute("SHOW timezone")
        zone = cursor.fetchone()[0]
    assert (jit, zone) == ("off", "UTC")


# The demo loaded through the pooler, then five users at once, each in a thread of its own
# with its own connection, through two server connections: each sees itself and its figures.
VISITS = """
import django, json, os, threading
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment
from contracts.models import Contract

setup_test_environment()  # the test client's host, "testserver", is allowed

call_command("load_demo", verbosity=0)
results = {}

def visit(username):
    try:
        see(username)
    except Exception as error:
        results[username] = repr(error)
    finally:
        connection.close()

def see(username):
    client = Client()
    login = client.post("/accounts/login/", {"username": username, "password": "yantian2024"})
    assert login.status_code == 302, login.status_code
    whoami = [client.get("/api/v1/whoami/").json()["username"] for _ in range(5)]
    execution = client.get("/api/v1/execution/?year=2024&as_of=2024-12-31")
    results[username] = {
        "whoami": sorted(set(whoami)),
        "paid": execution.json().get("paid") if execution.status_code == 200 else None,
        "contracts": client.get("/contracts/").status_code,
    }

threads = [threading.Thread(target=visit, args=(name,))
           for name in ("admin", "manager", "finance", "staff", "auditor")]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
numbers = [c.number for c in Contract.objects.order_by("pk").iterator(chunk_size=2)]
print(json.dumps({
    "results": results,
    "iterated": len(numbers),
    "server_side_cursors": not settings.DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
}))
"""


def test_the_app_works_through_a_transaction_mode_pooler(pgbouncer, tmp_path):
    port, db = pgbouncer
    env = project_env(
        tmp_path,
        DATABASE_URL=f"postgres://{db['USER']}@127.0.0.1:{port}/{db['NAME']}",
        DJANGO_DB_TRANSACTION_POOLING="1",
    )
    result = run_project(["-c", VISITS], env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["server_side_cursors"] is False
    assert report["iterated"] == 4
    results = report["results"]
    assert all(isinstance(r, dict) for r in results.values()), results
    assert {name: r["whoami"] for name, r in results.items()} == {
        name: [name] for name in ("admin", "manager", "finance", "staff", "auditor")
    }
    # The demo's 2024 figures, read through the pooler by the roles that see the budget.
    assert results["manager"]["paid"] == results["auditor"]["paid"] == "2177100.00"
    assert results["staff"]["contracts"] == 200

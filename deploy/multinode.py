"""Two nodes of one installation on this machine, and what each must see of the other.

Node A and node B are two gunicorn servers with separate VAR_DIRs (nothing shared on
disk), two Celery workers and one beat, sharing one PostgreSQL database of their own
(through a transaction-mode PgBouncer, as a city-wide install runs), one Redis (broker and
cache in two databases) and an S3-compatible server (moto's, standing in for MinIO).
Requests carry ``X-Forwarded-Proto: https`` as nginx sets it. Run by deploy/multinode-test;
each check prints PASS or FAIL with what it saw.

Ports and Redis databases come from the environment (defaults in brackets):
DEPLOY_NODE_A_PORT [8103], DEPLOY_NODE_B_PORT [8104], DEPLOY_PGBOUNCER_PORT [6439],
DEPLOY_S3_PORT [6440], DEPLOY_TEST_REDIS_DB [7] (the broker; the cache takes the next).
"""

import email
import email.policy
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3
import psycopg2
import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
PORT_A = int(os.environ.get("DEPLOY_NODE_A_PORT", "8103"))
PORT_B = int(os.environ.get("DEPLOY_NODE_B_PORT", "8104"))
PGBOUNCER_PORT = int(os.environ.get("DEPLOY_PGBOUNCER_PORT", "6439"))
S3_PORT = int(os.environ.get("DEPLOY_S3_PORT", "6440"))
REDIS_DB = int(os.environ.get("DEPLOY_TEST_REDIS_DB", "7"))
DATABASE = "deploy_multinode"
HEARTBEAT = 3  # seconds: beat's period here, so that a dead beat shows within seconds
VISIBILITY = 6  # seconds before a dead worker's unacknowledged task goes to another
PASSWORD = "yantian2024"  # the demo's

BIN = Path(sys.executable).parent
WORK = Path(tempfile.mkdtemp(prefix="socialwork-multinode-"))
PROCESSES: dict[str, subprocess.Popen] = {}
RESULTS: list[tuple[str, bool, str]] = []


# --- the installation -------------------------------------------------------------------


def environment(name: str, *, direct: bool = False) -> dict:
    """One process's environment: the shared services, and a VAR_DIR of its own."""
    var = WORK / name
    var.mkdir(exist_ok=True)
    port = 5432 if direct else PGBOUNCER_PORT
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PIP_"))}
    for variable in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL", "SENTRY_DSN"):
        keep.pop(variable, None)
    return {
        **keep,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "multinode-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{DATABASE}",
        "DJANGO_DB_TRANSACTION_POOLING": "0" if direct else "1",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "STORAGE_URL": f"s3://multinode/media?endpoint_url=http://127.0.0.1:{S3_PORT}"
        "&region_name=us-east-1",
        "AWS_ACCESS_KEY_ID": "multinode",
        "AWS_SECRET_ACCESS_KEY": "multinode-secret",
        "VAR_DIR": str(var),
        "EMAIL_URL": f"filemail:///{var / 'mail'}",
        "BEAT_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
        "DJANGO_LOG_FORMAT": "json",
        "GUNICORN_WORKERS": "2",
    }


def start(name: str, command: list[str], **extra) -> subprocess.Popen:
    log = open(WORK / f"{name}.log", "a")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**environment(name), **extra},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed whole, children included
    )
    PROCESSES[name] = process
    return process


def stop(name: str, sig=signal.SIGTERM, timeout: float = 30) -> None:
    process = PROCESSES.pop(name, None)
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def manage(*args: str, node: str = "manage") -> str:
    """manage.py as README's deploy/manage runs it; directly to PostgreSQL, as migrate must."""
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=environment(node, direct=True),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def sql(statement: str, *params, database: str = DATABASE):
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=database)
    conn.autocommit = True  # DROP DATABASE runs outside a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


def start_pgbouncer() -> None:
    folder = WORK / "pgbouncer"
    folder.mkdir()
    WORK.chmod(0o755)
    folder.chmod(0o755)  # PgBouncer drops root for the postgres user, who reads these
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n{DATABASE} = host=127.0.0.1 port=5432\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {PGBOUNCER_PORT}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 10\nmax_client_conn = 200\n"
    )
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer will not run as root
        command[1:1] = ["-u", pwd.getpwnam("postgres").pw_name]
    start("pgbouncer", command)


def set_up() -> None:
    for db in (REDIS_DB, REDIS_DB + 1):
        redis.Redis(db=db).flushdb()
    sql(f"DROP DATABASE IF EXISTS {DATABASE}", database="postgres")
    sql(f"CREATE DATABASE {DATABASE}", database="postgres")
    start_pgbouncer()
    start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3_PORT)])
    s3_up = wait(lambda: _answers(f"http://127.0.0.1:{S3_PORT}/"), 30)
    if not s3_up:
        raise SystemExit("moto_server did not start")
    s3().create_bucket(Bucket="multinode")
    # The README's order: migrate directly to PostgreSQL, the processes through PgBouncer.
    manage("migrate", "--noinput")
    manage("load_demo", "--force")
    manage(
        "shell",
        "-c",
        "import datetime; from accounts.models import Bureau; "
        "from payments.models import ReminderSettings\n"
        "for b in Bureau.objects.all(): ReminderSettings.objects.update_or_create(bureau=b, "
        "defaults=dict(work_start=datetime.time(0, 0), work_end=datetime.time(23, 59, 59), "
        "work_days=[1, 2, 3, 4, 5, 6, 7]))",
    )
    for node in ("node-a", "node-b"):  # each node serves its own copy
        manage("collectstatic", "--noinput", node=node)
    gunicorn = [str(BIN / "gunicorn"), "config.wsgi", "--config", "deploy/gunicorn.conf.py"]
    start("node-a", gunicorn, GUNICORN_BIND=f"127.0.0.1:{PORT_A}")
    start("node-b", gunicorn, GUNICORN_BIND=f"127.0.0.1:{PORT_B}")
    for number in (1, 2):
        start_worker(number)
    start("beat", [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO"])
    for port in (PORT_A, PORT_B):
        if not wait(lambda port=port: _answers(f"http://127.0.0.1:{port}/healthz/"), 60):
            raise SystemExit(f"gunicorn on {port} did not start: see {WORK}")


def start_worker(number: int) -> None:
    start(
        f"worker-{number}",
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            f"--hostname=worker{number}@%h",
        ],
    )


def _answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
        return True
    except requests.RequestException:  # not listening yet, or still booting
        return False


def s3():
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{S3_PORT}",
        region_name="us-east-1",
        aws_access_key_id="multinode",
        aws_secret_access_key="multinode-secret",
    )


def tear_down() -> None:
    for name in list(PROCESSES)[::-1]:
        stop(name)
    try:
        sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", database="postgres")
        for db in (REDIS_DB, REDIS_DB + 1):
            redis.Redis(db=db).flushdb()
    except Exception as error:  # the results matter more than the cleaning
        print(f"multinode-test: cleaning up: {error}")


# --- a person's browser, on either node -------------------------------------------------


class Browser:
    """Cookies kept by hand: the session cookie is Secure, and nginx's HTTPS is left out."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, port: int, path: str, **kwargs) -> requests.Response:
        headers = {
            "Host": "localhost",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://localhost{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        response = requests.request(
            method,
            f"http://127.0.0.1:{port}{path}",
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        self.cookies.update({cookie.name: cookie.value for cookie in response.cookies})
        return response

    def get(self, port: int, path: str) -> requests.Response:
        return self.request("GET", port, path)

    def submit(self, port: int, path: str, data: dict, files=None) -> requests.Response:
        """Open the form's page, then post it with its CSRF token, as a person does."""
        page = self.get(port, path).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            "POST", port, path, data={"csrfmiddlewaretoken": token, **data}, files=files
        )

    def log_in(self, port: int, username: str) -> requests.Response:
        return self.submit(port, "/accounts/login/", {"username": username, "password": PASSWORD})


# --- the checks -------------------------------------------------------------------------


def check(name: str):
    def register(function):
        def run():
            started = time.monotonic()
            try:
                ok, seen = function()
            except Exception as error:  # a check that crashes has failed; the rest still run
                ok, seen = False, f"{type(error).__name__}: {error}"
            took = time.monotonic() - started
            RESULTS.append((name, ok, seen))
            print(
                f"  {'PASS' if ok else 'FAIL'}  {name} ({took:.1f} s)\n        {seen}", flush=True
            )

        return run

    return register


def readyz(port: int) -> tuple[int, dict]:
    response = requests.get(f"http://127.0.0.1:{port}/readyz/", timeout=10)
    return response.status_code, response.json()


@check("both nodes are ready (database, migrations, cache, broker, beat)")
def both_ready():
    ready = wait(lambda: all(readyz(p)[0] == 200 for p in (PORT_A, PORT_B)), 30, 0.5)
    return bool(ready), f"A: {readyz(PORT_A)}, B: {readyz(PORT_B)}"


@check("a session made on node A is valid on node B")
def session_travels():
    browser = Browser()
    login = browser.log_in(PORT_A, "manager")
    on_b = browser.get(PORT_B, "/api/v1/whoami/")
    seen = f"login on A: {login.status_code} -> {login.headers.get('Location')}; "
    seen += f"whoami on B: {on_b.status_code} {on_b.text[:80]}"
    ok = login.status_code == 302 and on_b.status_code == 200
    return ok and on_b.json()["username"] == "manager", seen


@check("a file uploaded through node A downloads through node B")
def file_travels():
    browser = Browser()
    browser.log_in(PORT_A, "staff")
    [(contract_id,)] = sql("SELECT id FROM contracts_contract ORDER BY id LIMIT 1")
    content = b"%PDF-1.4\n% multinode " + uuid.uuid4().hex.encode() + b"\n" + os.urandom(50_000)
    upload = browser.submit(
        PORT_A,
        f"/contracts/{contract_id}/attachments/",
        {"title": "合同文本（多节点）"},
        files={"file": ("signed.pdf", content, "application/pdf")},
    )
    [(attachment_id, name)] = sql(
        "SELECT id, file FROM contracts_contractattachment WHERE title = %s",
        "合同文本（多节点）",
    )
    page_b = browser.get(PORT_B, f"/contracts/{contract_id}/").text
    download = browser.get(PORT_B, f"/contracts/attachments/{attachment_id}/")
    on_disk = [p for p in WORK.rglob("signed*.pdf")]
    seen = (
        f"upload on A: {upload.status_code}; object media/{name}; listed on B's contract page: "
        f"{f'/contracts/attachments/{attachment_id}/' in page_b}; download on B: "
        f"{download.status_code}, {len(download.content)} bytes, same: "
        f"{download.content == content}; copies on any node's disk: {len(on_disk)}"
    )
    keys = [o["Key"] for o in s3().list_objects_v2(Bucket="multinode").get("Contents", [])]
    ok = (
        upload.status_code == 302
        and download.status_code == 200
        and download.content == content
        and f"media/{name}" in keys
        and not on_disk
    )
    return ok, seen


@check("a cache invalidated by a write on node A is seen on node B at once")
def cache_travels():
    manager, finance = Browser(), Browser()
    manager.log_in(PORT_B, "manager")
    finance.log_in(PORT_A, "finance")
    api = "/api/v1/execution/?year=2024&as_of=2024-12-31"
    before = [manager.get(PORT_B, api).json()["full_year_budget"] for _ in range(2)]  # cached
    [(budget_id,)] = sql(
        "SELECT b.id FROM payments_budget b JOIN contracts_project p ON p.id = b.project_id "
        "WHERE b.year = 2024 AND p.name = %s",
        "助残社工服务项目",
    )
    write = finance.submit(
        PORT_A,
        f"/payments/budgets/{budget_id}/events/",
        {
            "kind": "increase",
            "amount": "100000.00",
            "dated_on": "2024-12-20",
            "document_number": "多节点测试〔2024〕1号",
            "reason": "多节点测试：追加预算",
        },
    )
    after = manager.get(PORT_B, api).json()["full_year_budget"]
    # The cached figures and versions are in the cache's Redis database, not the broker's.
    cache_keys = redis.Redis(db=REDIS_DB + 1).keys("*records-version*")
    broker_keys = redis.Redis(db=REDIS_DB).keys("*records-version*")
    seen = (
        f"B before: {before}; adjustment posted on A: {write.status_code}; B right after: "
        f"{after}; version keys in Redis db {REDIS_DB + 1} (cache): {len(cache_keys)}, "
        f"in db {REDIS_DB} (broker): {len(broker_keys)}"
    )
    ok = before == ["2336000.00", "2336000.00"] and write.status_code == 302
    return ok and after == "2436000.00" and cache_keys and not broker_keys, seen


def emails() -> list[tuple[str, str, str]]:
    """(worker, recipient, subject) of every e-mail any worker wrote (file backend)."""
    sent = []
    for folder in WORK.glob("worker-*/mail"):
        for path in folder.iterdir():
            for raw in path.read_text(encoding="utf-8").split("-" * 79):
                if raw.strip():
                    message = email.message_from_string(raw.lstrip(), policy=email.policy.default)
                    for to in str(message["To"]).split(", "):
                        sent.append((folder.parent.name, to, str(message["Subject"])))
    return sorted(sent)


def fresh_notices() -> None:
    """Forget every notice and e-mail, so the next scan finds everything anew."""
    sql("TRUNCATE payments_notice CASCADE")
    for folder in WORK.glob("worker-*/mail"):
        shutil.rmtree(folder)


def all_dispatched() -> bool:
    [(total, dispatched)] = sql("SELECT count(*), count(dispatched_at) FROM payments_notice")
    return total > 0 and total == dispatched


def exactly_once(sent) -> tuple[bool, str]:
    """Every notice's e-mails sent, none twice; and a description."""
    notices = sql("SELECT title, data FROM payments_notice ORDER BY id")
    pairs = [(to, subject) for _worker, to, subject in sent]
    twice = {pair for pair in pairs if pairs.count(pair) > 1}
    unsent = [title for title, _data in notices if not any(title in s for _to, s in pairs)]
    by_worker = {w: sum(1 for x, *_ in sent if x == w) for w in sorted({x for x, *_ in sent})}
    seen = (
        f"{len(notices)} notices, {len(pairs)} e-mails ({by_worker}), "
        f"sent twice: {len(twice)}, notices without e-mail: {len(unsent)}"
    )
    return bool(notices) and not twice and not unsent, seen


def send_scan():
    from config.celery import app

    return app.send_task("payments.tasks.run_reminders")


@check("an hourly scan run while both workers consume sends each notice exactly once")
def scan_once():
    fresh_notices()
    # Four scans at once, as if beat ticked while an operator ran one by hand: the two
    # workers (two processes each) run them side by side.
    ids = [send_scan().id for _ in range(4)]
    done = wait(all_dispatched, 60, 0.5)
    time.sleep(2)  # deliveries still running would show as doubles
    logs = {n: (WORK / f"{n}.log").read_text() for n in ("worker-1", "worker-2")}
    ran = {n: sum(1 for i in ids if f"{i}] succeeded" in log) for n, log in logs.items()}
    ok, seen = exactly_once(emails())
    return bool(done) and ok and sum(ran.values()) == 4, f"scans run by {ran}; {seen}"


@check("killing one worker mid-task loses nothing (acks late: the task is redelivered)")
def kill_mid_task():
    fresh_notices()
    # The scan will wait on this lock when it writes its notices, mid-task, in its
    # transaction: then its worker is killed outright, as a machine that loses power.
    lock = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname=DATABASE)
    lock.cursor().execute("LOCK TABLE payments_notice IN SHARE MODE")
    task_id = send_scan().id

    def holder():
        for name in ("worker-1", "worker-2"):
            if f"run_reminders[{task_id}] received" in (WORK / f"{name}.log").read_text():
                return name
        return None

    name = wait(holder, 30)
    waiting = wait(
        lambda: sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            DATABASE,
        )[0][0],
        30,
    )
    if not (name and waiting):
        lock.close()
        return False, f"the scan did not start and wait (worker: {name}, waiting: {waiting})"
    killed_at = time.monotonic()
    stop(name, signal.SIGKILL)
    lock.rollback()
    lock.close()
    survivor = "worker-2" if name == "worker-1" else "worker-1"
    done = wait(all_dispatched, VISIBILITY + 40, 0.5)
    redelivered_after = time.monotonic() - killed_at
    time.sleep(2)
    survivor_log = (WORK / f"{survivor}.log").read_text()
    ok, seen = exactly_once(emails())
    ran = f"run_reminders[{task_id}] succeeded" in survivor_log
    start_worker(int(name[-1]))  # back to two workers
    return bool(done) and ok and ran, (
        f"killed {name} with the scan waiting mid-transaction; {survivor} ran it "
        f"{redelivered_after:.1f} s later: {ran}; {seen}"
    )


@check(f"stopping beat turns /readyz/ red within two periods ({2 * HEARTBEAT} s)")
def beat_stops():
    green = wait(lambda: all(readyz(p)[0] == 200 for p in (PORT_A, PORT_B)), 2 * HEARTBEAT + 5)
    if not green:
        return False, f"not green before: A {readyz(PORT_A)}, B {readyz(PORT_B)}"
    stop("beat")
    stopped = time.monotonic()
    red = wait(lambda: all(readyz(p)[0] == 503 for p in (PORT_A, PORT_B)), 4 * HEARTBEAT, 0.1)
    took = time.monotonic() - stopped
    status, body = readyz(PORT_B)
    seen = f"red on both after {took:.1f} s; B: {status} {body}"
    failing = [name for name, good in body["checks"].items() if not good]
    return bool(red) and took <= 2 * HEARTBEAT + 0.5 and failing == ["beat"], seen


def main() -> int:
    started = time.monotonic()
    print(
        "multinode-test: two gunicorn nodes, two Celery workers, one beat; PostgreSQL through "
        f"PgBouncer (transaction mode), Redis db {REDIS_DB}/{REDIS_DB + 1}, an S3 server (moto); "
        f"logs in {WORK}",
        flush=True,
    )
    try:
        set_up()
        print(f"  set up in {time.monotonic() - started:.0f} s", flush=True)
        for run in (
            both_ready,
            session_travels,
            file_travels,
            cache_travels,
            scan_once,
            kill_mid_task,
            beat_stops,
        ):
            run()
    finally:
        tear_down()
    passed = sum(1 for _name, ok, _seen in RESULTS if ok)
    failed = len(RESULTS) - passed
    print(f"multinode-test: {passed} passed, {failed} failed ({time.monotonic() - started:.0f} s)")
    if failed == 0:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print(f"multinode-test: logs kept in {WORK}")
    return 1 if failed else 0


if __name__ == "__main__":
    # The harness sends tasks like any node: the same settings, from the same environment.
    os.environ.update(environment("harness"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

"""Run the project in a process of its own, with an environment of the test's choosing."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables a test's process must not inherit from the one running the tests.
INHERITED_NOT = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_CACHE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOW_SINGLE_NODE",
    "STORAGE_URL",
    "SENTRY_DSN",
    "DJANGO_LOG_FORMAT",
}


def project_env(tmp_path, **values) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT}
    return {**env, "VAR_DIR": str(tmp_path), **values}


def run_project(args, env, timeout=120) -> subprocess.CompletedProcess:
    """``args`` after the interpreter: ``["manage.py", "check"]`` or ``["-c", code]``."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings_of(tmp_path):
    """``settings_of(NAME, ..., **environment)``: the named settings as a fresh process
    reads them from that environment (printed with repr, read back with eval). The process
    reads the settings module only: no app changes a setting, and loading every app (as
    ``django.setup()`` does) took it three times as long."""

    def read(*names, **values):
        code = (
            "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
            "from django.conf import settings as s;"
            f"print(repr([getattr(s, n) for n in {list(names)!r}]))"
        )
        result = run_project(["-c", code], project_env(tmp_path, **values), timeout=60)
        assert result.returncode == 0, result.stderr
        return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own output

    return read


# --- an S3-compatible server: moto's standalone server, started for the session ---------


def _wait_for_port(port, process, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The address of a real S3-compatible server (moto_server) on a free port.

    Skipped where moto is not installed, unless REQUIRE_S3=1 (CI) makes that a failure.
    """
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        message = f"moto_server not found beside {sys.executable} (pip install 'moto[server]')"
        if os.environ.get("REQUIRE_S3") == "1":
            pytest.fail(message + " and REQUIRE_S3=1", pytrace=False)
        pytest.skip(message)
    port = free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        if not _wait_for_port(port, process):
            pytest.fail(f"moto_server did not start on port {port}", pytrace=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "deploy-test", "AWS_SECRET_ACCESS_KEY": "deploy-secret"}


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the server: ``(STORAGE_URL, boto3 client, bucket name)``."""
    import uuid

    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    name = f"attachments-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    url = f"s3://{name}/media?endpoint_url={s3_server}&region_name=us-east-1"
    return url, client, name

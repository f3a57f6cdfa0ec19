"""Logs as JSON lines for a collector, and errors to a Sentry server when SENTRY_DSN is set."""

import gzip
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.config.conftest import project_env, run_project

LOGS = """
import django, logging, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
log = logging.getLogger("payments.reminders")
log.warning("逾期 %s 天", 21, extra={"bureau": 7})
try:
    1 / 0
except ZeroDivisionError:
    log.exception("scan failed")
Client().get("/healthz/nope/")
"""


def test_json_logs_are_one_object_a_line(tmp_path):
    result = run_project(["-c", LOGS], project_env(tmp_path, DJANGO_LOG_FORMAT="json"))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    warning, failure, not_found = lines
    assert {k: warning[k] for k in ("level", "logger", "message", "bureau")} == {
        "level": "WARNING",
        "logger": "payments.reminders",
        "message": "逾期 21 天",
        "bureau": 7,
    }
    assert warning["time"].endswith("+00:00") and isinstance(warning["process"], int)
    assert failure["message"] == "scan failed"
    assert failure["exception"].splitlines()[-1] == "ZeroDivisionError: division by zero"
    # Django's own request log, once, as JSON, with the fields it passes.
    assert {k: not_found[k] for k in ("level", "logger", "message", "status_code")} == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /healthz/nope/",
        "status_code": 404,
    }


def test_text_logs_by_default(tmp_path):
    result = run_project(["-c", LOGS], project_env(tmp_path))
    first = result.stderr.splitlines()[0]
    assert first.endswith(" WARNING payments.reminders 逾期 21 天")


class _Sentry(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append((self.path, body.decode()))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    _Sentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], _Sentry.received
    server.shutdown()


FAILING_REQUEST = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client(raise_request_exception=False).post(
    "/accounts/login/", {"username": "manager", "password": "yantian2024"}
)
print(response.status_code)
"""


def test_an_unhandled_error_reaches_sentry_without_personal_data(sentry_server, tmp_path, settings):
    port, received = sentry_server
    env = project_env(
        tmp_path,
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        # A database that cannot be opened: the login fails with a server error.
        DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}",
    )
    result = run_project(["-c", FAILING_REQUEST], env)
    assert result.stdout.split()[-1] == "500", result.stderr
    deadline = time.monotonic() + 10
    while not received and time.monotonic() < deadline:
        time.sleep(0.1)
    [(path, envelope)] = [item for item in received if '"exception"' in item[1]]
    assert path == "/api/42/envelope/"
    event = json.loads(envelope.splitlines()[2])
    [exception] = event["exception"]["values"][-1:]
    assert exception["type"] == "OperationalError"
    assert event["release"] == settings.VERSION
    assert event["environment"] == "production"
    assert "yantian2024" not in envelope and "manager" not in envelope
    assert "sessionid" not in envelope and "csrftoken" not in envelope

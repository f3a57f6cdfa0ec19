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
    reads them from that environment (printed with repr, read back with eval)."""

    def read(*names, **values):
        code = (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
            "django.setup(); from django.conf import settings as s;"
            f"print(repr([getattr(s, n) for n in {list(names)!r}]))"
        )
        result = run_project(["-c", code], project_env(tmp_path, **values), timeout=60)
        assert result.returncode == 0, result.stderr
        return eval(result.stdout.strip().splitlines()[-1])  # noqa: S307 - our own output

    return read

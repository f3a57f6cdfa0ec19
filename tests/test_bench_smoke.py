"""The benchmark works end to end on its small preset (PostgreSQL only: it fills the
database with COPY). This is a smoke test, not a measurement: no timing is asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL")
def test_bench_run_small_preset(tmp_path):
    if not _redis_reachable():
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail("REQUIRE_REDIS is set but Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("the benchmark caches in Redis, which is not running here")
    db = connection.settings_dict
    url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/socialwork_bench_ci{os.environ.get('TEST_REDIS_DB', '')}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--preset",
            "small",
            "--database-url",
            url,
            "--regenerate",
            "--repeat",
            "2",
            "--duration",
            "1",
            "--clients",
            "2",
            "--redis-url",
            f"redis://127.0.0.1:6379/{os.environ.get('TEST_REDIS_DB', '13')}",
            "--results-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [path] = list(tmp_path.glob("*-small.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["scale"] == {"bureaus": 3, "installments": 210, "payments": 197}
    assert data["scan"]["second_run_sends"] == 0
    assert data["dashboard"]["queries"] <= 12
    assert data["dashboard"]["cold_queries"] <= 12
    assert data["dashboard"]["uncached_ms"] > 0
    assert (
        data["throughput"]["dashboard"]["errors"] == 0
        and data["throughput"]["dashboard"]["requests"] > 0
    )
    assert "dashboard, one bureau-year" in result.stdout


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark runs on PostgreSQL")
def test_import_benchmark_small(tmp_path):
    """The import benchmark on 40 installments: all applied, figures written (the COPYs
    of the batch path and their thread included)."""
    if not _redis_reachable():
        pytest.skip("the benchmark caches in Redis, which is not running here")
    db = connection.settings_dict
    slot = os.environ.get("TEST_REDIS_DB", "13")
    url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/socialwork_bench_import_ci{slot}"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    }
    command = [sys.executable, "-m", "bench.import_run", "--installments", "40"]
    command += ["--database-url", url, "--redis-url", f"redis://127.0.0.1:6379/{slot}"]
    command += ["--results-dir", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    [path] = list(tmp_path.glob("*-import.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["applied"] and not data["problems"]
    assert data["counts"]["分期"]["created"] == 40
    assert data["counts"]["支付"]["created"] == 40
    assert data["cpu_seconds"] > 0 and len(data["load_average"]) == 2


@pytest.mark.parametrize("module", ["bench.run", "bench.generate"])
def test_bench_refuses_a_database_not_named_for_it(module):
    # The benchmark truncates the product's tables; pointed at the real database (by
    # mistake or by DATABASE_URL) it must stop before touching anything.
    args = [sys.executable, "-m", module, "--reset"]
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/socialwork"}
    if module == "bench.run":
        args = [
            sys.executable,
            "-m",
            module,
            "--database-url",
            "postgres://postgres@127.0.0.1:5432/socialwork",
        ]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "refusing to" in result.stderr and "'socialwork'" in result.stderr

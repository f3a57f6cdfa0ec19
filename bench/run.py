"""Measure how fast the product answers at scale, against the floors, in one run.

    bench/run                          # the national preset (generated on first use)
    bench/run --preset small --repeat 3 --duration 2   # a smoke run, seconds

Prints a table and writes it as JSON under bench/results/. Everything runs on one
PostgreSQL database (socialwork_bench_<preset> unless --database-url is given), with
Redis for the cache and the sessions, in the production configuration (DEBUG off).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH_PREFIX = "socialwork_bench_"
YEAR = 2025
AS_OF = "2025-10-31"

TARGETS = {
    "dashboard_ratio": 2.0,
    "dashboard_queries": 12,
    "citywide_ratio": 2.0,
    "list_speedup": 3.0,
    "scan_ratio": 3.0,
    "throughput_share": 0.40,
    "report_seconds": 2.0,
    "export_seconds": 2.0,
}


def environment(database_url: str, redis_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "EMAIL_URL": "dummymail://",
    }


def ensure_database(database_url: str) -> None:
    import psycopg2

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def refuse_unless_bench_database(name: str) -> None:
    """The benchmark empties the product's tables: never let it near a real database."""
    if not name.startswith(BENCH_PREFIX):
        raise SystemExit(
            f"refusing to run on database {name!r}: the benchmark empties the product's "
            f"tables, so its database name must start with {BENCH_PREFIX!r}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", default="national")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--repeat", type=int, default=15, help="repetitions per timing (median)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per throughput run")
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent connections for throughput"
    )
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--results-dir", default=str(RESULTS), help="where the JSON goes")
    args = parser.parse_args(argv)

    database_url = (
        args.database_url or f"postgres://postgres@127.0.0.1:5432/socialwork_bench_{args.preset}"
    )
    refuse_unless_bench_database(urlsplit(database_url).path.lstrip("/"))
    ensure_database(database_url)
    env = environment(database_url, args.redis_url)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import generate

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM payments_installment")
        installments = cursor.fetchone()[0]
    if args.regenerate or installments == 0:
        bureaus, per_bureau = generate.PRESETS[args.preset]
        print(
            f"generating the {args.preset} preset ({bureaus} bureaus × {per_bureau} contracts) …",
            flush=True,
        )
        summary = generate.run(bureaus, per_bureau, reset=True)
        print(f"  generated in {summary['seconds']:.1f} s", flush=True)
    call_command("collectstatic", verbosity=0, interactive=False)
    from bench import measure

    results = measure.run_all(args, env)
    results["preset"] = args.preset
    report(results)
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{args.preset}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {path}")
    return 0


def report(results: dict) -> None:
    r = results
    rows = [
        (
            "scale",
            f"{r['scale']['bureaus']:,} bureaus, {r['scale']['installments']:,} installments, {r['scale']['payments']:,} payments",
            "",
            "",
        ),
        (
            "dashboard, one bureau-year",
            f"{r['dashboard']['ms']:.1f} ms vs SQL floor {r['dashboard']['floor_ms']:.1f} ms"
            f" (first request, cold cache: {r['dashboard']['cold_ms']:.1f} ms, {r['dashboard']['cold_queries']} queries;"
            f" right after a write: {r['dashboard']['uncached_ms']:.1f} ms, {r['dashboard']['uncached_ratio']:.1f}× the floor)",
            f"{r['dashboard']['ratio']:.2f}×, {r['dashboard']['queries']} queries",
            _check(
                r["dashboard"]["ratio"] <= TARGETS["dashboard_ratio"]
                and r["dashboard"]["queries"] <= TARGETS["dashboard_queries"]
            ),
        ),
        (
            "dashboard, city-wide",
            f"{r['citywide']['ms']:.1f} ms vs SQL floor {r['citywide']['floor_ms']:.1f} ms ({r['citywide']['bureaus']} bureaus;"
            f" cold cache {r['citywide']['cold_ms']:.1f} ms)",
            f"{r['citywide']['ratio']:.2f}×, {r['citywide']['queries']} queries",
            _check(r["citywide"]["ratio"] <= TARGETS["citywide_ratio"]),
        ),
        (
            "installments list",
            f"{r['list']['ms']:.1f} ms vs admin changelist {r['list']['admin_ms']:.1f} ms",
            f"{r['list']['speedup']:.2f}× faster",
            _check(r["list"]["speedup"] >= TARGETS["list_speedup"]),
        ),
        (
            "reminder scan",
            f"{r['scan']['ms']:.1f} ms vs raw SQL {r['scan']['floor_ms']:.1f} ms ({r['scan']['rows']:,} due rows;"
            f" first scan {r['scan']['cold_ms']:.0f} ms; due-row selection alone {r['scan']['due_rows_ms']:.0f} ms)",
            f"{r['scan']['ratio']:.2f}×; 2nd run sends {r['scan']['second_run_sends']}",
            _check(
                r["scan"]["ratio"] <= TARGETS["scan_ratio"] and r["scan"]["second_run_sends"] == 0
            ),
        ),
    ]
    if "throughput" in r:
        t = r["throughput"]
        rows.append(
            (
                "throughput (gunicorn, 2 workers)",
                f"dashboard {t['dashboard']['rps']:.0f} req/s (p50 {t['dashboard']['p50_ms']:.1f} ms, p95 {t['dashboard']['p95_ms']:.1f} ms); "
                f"no-op {t['noop']['rps']:.0f} req/s (p50 {t['noop']['p50_ms']:.1f} ms, p95 {t['noop']['p95_ms']:.1f} ms)",
                f"{t['share']:.0%} of the no-op",
                _check(t["share"] >= TARGETS["throughput_share"]),
            )
        )
    rows += [
        (
            "yearly report (docx)",
            f"{r['report']['seconds']:.2f} s",
            "",
            _check(r["report"]["seconds"] < TARGETS["report_seconds"]),
        ),
        (
            "ledger export (xlsx)",
            f"{r['export']['seconds']:.2f} s ({r['export']['rows']:,} rows)",
            "",
            _check(r["export"]["seconds"] < TARGETS["export_seconds"]),
        ),
    ]
    width = max(len(row[0]) for row in rows)
    print()
    for name, measured, ratio, verdict in rows:
        print(f"{name:<{width}}  {verdict:<4}  {measured}  {ratio}")


def _check(ok: bool) -> str:
    return "ok" if ok else "MISS"


if __name__ == "__main__":
    sys.exit(main())

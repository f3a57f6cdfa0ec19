"""Benchmark of the workbook import: a bureau's books of N installments, each with its
document, approval and payment, imported all or nothing through the services.

    python -m bench.import_run                      # 50,000 installments (the target)
    python -m bench.import_run --installments 2000  # a quick run

Works on its own PostgreSQL database (socialwork_bench_import, emptied of the imported
bureau first) with Redis database 13 for the cache, in the production configuration,
like bench/run. Measures the wall time of the import and the peak resident memory of
the process (the workbook is read in a stream), and writes them as JSON under
bench/results/<time>-import.json. Targets: under 60 s, under 500 MB.
"""

import argparse
import datetime
import io
import json
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BUREAU = "导入基准测试民政局"
PER_CONTRACT = 4
PROJECTS = 50
TARGET_SECONDS = 60
TARGET_MB = 500


def workbook(installments: int) -> bytes:
    """The books: contracts of four installments, each received, approved and paid."""
    from openpyxl import Workbook

    from contracts.validators import credit_code_check_digit
    from imports import workbook as fmt

    body = "52440300MJ9000001"
    code = body + credit_code_check_digit(body)
    contracts = installments // PER_CONTRACT
    book = Workbook(write_only=True)
    sheets = {s.name: book.create_sheet(s.name) for s in fmt.SHEETS}
    for sheet in fmt.SHEETS:
        sheets[sheet.name].append([c.title for c in sheet.columns])
    sheets["服务机构"].append(["基准测试社工服务中心", code, "", "", ""])
    amount = Decimal("40000.00")
    for p in range(PROJECTS):
        project = f"基准项目{p:03d}"
        sheets["服务项目"].append([project, "社会福利", "", ""])
        sheets["中标"].append([project, code, "2024-01-02", 12, "99999999.00", "公开招标"])
        per_project = contracts // PROJECTS + 1
        total = amount * PER_CONTRACT * per_project
        for kind, day in (("年初预算", "2024-01-03"), ("指标下达", "2024-01-04")):
            sheets["预算"].append([project, 2024, day, kind, total, "基准〔2024〕1号", ""])
    start = datetime.date(2024, 1, 5)
    for c in range(contracts):
        number = f"BM-{c:06d}"
        project = f"基准项目{c % PROJECTS:03d}"
        sheets["合同"].append(
            [number, project, code, start, start, datetime.date(2024, 12, 31), amount * 4]
        )
        for i in range(1, PER_CONTRACT + 1):
            due = datetime.date(2024, 2 * i, 20)
            approved = due - datetime.timedelta(days=5)
            sheets["分期"].append([number, i, amount, due, "发票", approved])
            sheets["付款资料"].append([number, i, "发票", approved - datetime.timedelta(days=3)])
            sheets["支付"].append([f"BM-V-{c:06d}-{i}", number, i, due, amount])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--installments", type=int, default=50_000)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/socialwork_bench_import"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--results-dir", default=str(RESULTS))
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="measure reading and checking every cell only (no database writes)",
    )
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.run import ensure_database, environment, refuse_unless_bench_database

    refuse_unless_bench_database(urlsplit(args.database_url).path.lstrip("/"))
    ensure_database(args.database_url)
    os.environ.update(environment(args.database_url, args.redis_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Bureau, User
    from accounts.roles import Role
    from imports import services

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data = workbook(args.installments)
    built = time.perf_counter() - started
    print(f"workbook: {len(data) / 1e6:.1f} MB, built in {built:.1f} s", flush=True)

    # A fresh, empty bureau each run (the earlier run's records are emptied).
    with connection.cursor() as cursor:
        for table in connection.introspection.django_table_names(only_existing=True):
            if table.split("_")[0] in ("contracts", "payments", "evaluations", "imports"):
                cursor.execute(f'TRUNCATE "{table}" CASCADE')
    bureau, _new = Bureau.objects.get_or_create(name=BUREAU, defaults={"division_code": "440399"})
    finance, _new = User.objects.get_or_create(
        username="bench-import-finance", defaults={"bureau": bureau}
    )
    finance.groups.add(Group.objects.get(name=str(Role.FINANCE)))

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    if args.read_only:
        # The file's checks and every cell's, streamed: what a preview costs before any
        # record is looked up.
        from imports.reader import open_source

        result = services.Result()
        services._read_rows(open_source(data, "基准.xlsx"), result, None)
    else:
        result = services.workbook_import(
            actor=User.objects.get(pk=finance.pk), bureau=bureau, data=data, filename="基准.xlsx"
        )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    problems = [str(p) for p in result.problems[:5]]
    results = {
        "installments": args.installments,
        "rows": result.rows,
        "file_mb": round(len(data) / 1e6, 2),
        "seconds": round(seconds, 1),
        "rows_per_second": round(result.rows / seconds),
        # The machine is shared: the CPU time of this process (PostgreSQL's not counted)
        # and the load average (1 min) at the start and the end tell how busy it was.
        "cpu_seconds": round(cpu_seconds, 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "workbook_built_seconds": round(built, 1),
        "peak_rss_mb": round(peak_mb),
        "rss_before_import_mb": round(rss_before),
        "applied": result.applied,
        "read_only": args.read_only,
        "problems": problems,
        "counts": result.counts_dict(),
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
        "database": connection.vendor,
    }
    print(json.dumps({k: v for k, v in results.items() if k != "counts"}, ensure_ascii=False))
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    kind = "import-read" if args.read_only else "import"
    path = out / f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written to {path}")
    return 0 if result.applied or (args.read_only and result.ok) else 1


if __name__ == "__main__":
    raise SystemExit(main())

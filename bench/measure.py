"""The measurements of bench/run (Django is set up by the caller)."""

import datetime
import os
import signal
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import floors, load

YEAR = 2025
AS_OF = datetime.date(2025, 10, 31)


def _median(action, repeat):
    """The median time of ``action`` over ``repeat`` runs."""
    return _median_after(lambda: None, action, repeat)


def _median_after(prepare, action, repeat):
    """The median time of ``action``, each run preceded (untimed) by ``prepare``."""
    times = []
    for _ in range(repeat):
        prepare()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _get(client, url):
    def action():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return action


def _count_queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def _floor(sql, params):
    def action():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return action


def _params(bureau_ids, year=YEAR, as_of=AS_OF):
    return {
        "bureaus": list(bureau_ids),
        "year": year,
        "jan1": datetime.date(year, 1, 1),
        "dec31": datetime.date(year, 12, 31),
        "as_of": as_of,
        "until": min(as_of, datetime.date(year, 12, 31)),
    }


def run_all(args, env) -> dict:
    from django.core.cache import cache

    from accounts.caching import records_changed
    from accounts.models import Bureau, User
    from payments.models import Installment, Payment

    # The generator writes with COPY, past the services that move the cache's versions.
    cache.clear()
    repeat = args.repeat
    results = {
        "scale": {
            "bureaus": Bureau.objects.filter(is_city_wide=False).count(),
            "installments": Installment.objects.count(),
            "payments": Payment.objects.count(),
        },
        "repeat": repeat,
    }
    bureau = Bureau.objects.filter(is_city_wide=False).order_by("pk").first()
    manager = User.objects.get(username=f"manager-{bureau.division_code}")
    url = f"/payments/dashboard/?year={YEAR}&as_of={AS_OF.isoformat()}"

    # 1. The dashboard of one bureau-year, and its floor.
    client = Client()
    client.force_login(manager)
    page = _get(client, url)
    cold_started = time.perf_counter()
    with CaptureQueriesContext(connection) as cold_queries:
        page()
    cold_ms = (time.perf_counter() - cold_started) * 1000
    results["dashboard"] = {
        "cold_ms": cold_ms,
        "cold_queries": len(cold_queries),
        "ms": _median(page, repeat) * 1000,
        "floor_ms": _median(_floor(floors.execution("project"), _params([bureau.pk])), repeat)
        * 1000,
        "queries": _count_queries(page),
        # The same request right after a write to the bureau's records: the cached
        # figures are stale, so everything is computed again.
        "uncached_ms": _median_after(lambda: records_changed(bureau.pk), page, repeat) * 1000,
    }
    results["dashboard"]["ratio"] = results["dashboard"]["ms"] / results["dashboard"]["floor_ms"]
    results["dashboard"]["uncached_ratio"] = (
        results["dashboard"]["uncached_ms"] / results["dashboard"]["floor_ms"]
    )

    # 1b. The city-wide roll-up.
    city = Bureau.objects.get(division_code=bureau.division_code[:4] + "00")
    city_user = User.objects.get(username=f"city-{city.division_code}")
    in_city = list(
        Bureau.objects.filter(division_code__startswith=city.scope_prefix).values_list(
            "pk", flat=True
        )
    )
    client_city = Client()
    client_city.force_login(city_user)
    city_page = _get(client_city, url)
    cold_started = time.perf_counter()
    city_page()
    results["citywide"] = {
        "cold_ms": (time.perf_counter() - cold_started) * 1000,
        "bureaus": len(in_city),
        "ms": _median(city_page, repeat) * 1000,
        "floor_ms": _median(_floor(floors.execution("bureau"), _params(in_city)), repeat) * 1000,
        "queries": _count_queries(city_page),
    }
    results["citywide"]["ratio"] = results["citywide"]["ms"] / results["citywide"]["floor_ms"]

    # 2. The installments list against the admin changelist, same filter, same data.
    superuser, _ = User.objects.get_or_create(
        username="bench-superuser", defaults={"is_superuser": True, "is_staff": True}
    )
    # A superuser reads no bureau's records by its flag (三权分立): the auditor's role lets
    # it read every bureau's, in our list and in the admin alike.
    from django.contrib.auth.models import Group

    superuser.groups.add(Group.objects.get(name="auditor"))
    admin_client = Client()
    admin_client.force_login(superuser)
    ours = _get(admin_client, f"/payments/installments/?year={YEAR}&status=paid")
    theirs = _get(
        admin_client, f"/admin/payments/installment/?due_date__year={YEAR}&status__exact=paid"
    )
    ours()
    theirs()
    list_repeat = max(3, repeat // 3)
    results["list"] = {
        "ms": _median(ours, list_repeat) * 1000,
        "admin_ms": _median(theirs, list_repeat) * 1000,
        "queries": _count_queries(ours),
        "admin_queries": _count_queries(theirs),
    }
    results["list"]["speedup"] = results["list"]["admin_ms"] / results["list"]["ms"]

    # 3. The reminder scan over all installments, against the raw selection of due rows.
    from payments.reminders import candidates, scan

    horizon = AS_OF + datetime.timedelta(days=15)
    params = {**_params([]), "horizon": horizon}
    scan_repeat = max(3, repeat // 3)
    rows = len(_floor(floors.REMINDER_ROWS, params)())
    cold_started = time.perf_counter()
    candidates.find(AS_OF)  # the first scan also computes every bureau's execution
    cold_ms = (time.perf_counter() - cold_started) * 1000
    horizon_days = 15
    results["scan"] = {
        "rows": rows,
        "cold_ms": cold_ms,
        "ms": _median(lambda: candidates.find(AS_OF), scan_repeat) * 1000,
        "due_rows_ms": _median(
            lambda: candidates.due_rows(AS_OF, horizon=horizon_days), scan_repeat
        )
        * 1000,
        "floor_ms": _median(_floor(floors.REMINDER_ROWS, params), scan_repeat) * 1000,
    }
    results["scan"]["ratio"] = results["scan"]["ms"] / results["scan"]["floor_ms"]
    now = timezone.make_aware(datetime.datetime.combine(AS_OF, datetime.time(10, 0)))
    started = time.perf_counter()
    first = scan.run(now=now, as_of=AS_OF, send=scan.INLINE)
    results["scan"]["first_run_seconds"] = time.perf_counter() - started
    results["scan"]["first_run_created"] = len(first.created)
    results["scan"]["first_run_notifications"] = first.notifications
    second = scan.run(now=now, as_of=AS_OF, send=scan.INLINE)
    results["scan"]["second_run_sends"] = (
        len(second.created) + second.notifications + second.emails + second.webhooks
    )

    # 4. Throughput under gunicorn, against a no-op view on the same server.
    if not args.skip_throughput:
        results["throughput"] = throughput(env, manager, url, args)

    # 5. The yearly report and the ledger export of one bureau.
    evaluation = _evaluation(bureau)
    finance = User.objects.get(username=f"finance-{bureau.division_code}")
    staff_client = Client()
    staff_client.force_login(finance)
    report = _get(staff_client, f"/evaluations/{evaluation.pk}/report.docx")
    export = _get(staff_client, f"/payments/installments/export/?year={YEAR - 1}")
    report()
    results["report"] = {
        "seconds": _median(report, max(3, repeat // 5)),
        "queries": _count_queries(report),
    }
    results["export"] = {
        "seconds": _median(export, max(3, repeat // 5)),
        "queries": _count_queries(export),
        "rows": Installment.objects.filter(bureau=bureau, due_date__year=YEAR - 1).count()
        + Payment.objects.filter(bureau=bureau, paid_on__year=YEAR - 1).count(),
    }
    return results


def _evaluation(bureau):
    from accounts.models import User
    from evaluations import services
    from evaluations.indicators import SEED_TEMPLATE
    from evaluations.models import Evaluation, IndicatorTemplate

    existing = Evaluation.objects.filter(bureau=bureau, year=YEAR - 1).first()
    if existing:
        return existing
    staff = User.objects.get(username=f"staff-{bureau.division_code}")
    return services.evaluation_create(
        actor=staff,
        bureau=bureau,
        year=YEAR - 1,
        title=f"{YEAR - 1} 年购买社工服务项目支出绩效评价",
        kind=Evaluation.Kind.SELF,
        template=IndicatorTemplate.objects.get(name=SEED_TEMPLATE),
        projects=list(bureau.projects.all()),
    )


def throughput(env, manager, url, args) -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(manager.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.RoleModelBackend"
    session[HASH_SESSION_KEY] = manager.get_session_auth_hash()
    session.save()
    # The cookies a browser sends back after its first page: the session and the CSRF
    # secret (pages carry tokens made from it, so a page is cached per browser).
    from django.middleware.csrf import _get_new_csrf_string

    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"
    )
    port = load.free_port()
    server = load.start_gunicorn(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        load.hammer(f"{base}{url}", cookie, seconds=1, clients=2)  # warm both workers
        dashboard = load.hammer(f"{base}{url}", cookie, seconds=args.duration, clients=args.clients)
        noop = load.hammer(f"{base}/healthz/", "", seconds=args.duration, clients=args.clients)
        whoami = load.hammer(
            f"{base}/api/v1/whoami/", cookie, seconds=args.duration, clients=args.clients
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {
        "clients": args.clients,
        "seconds": args.duration,
        "dashboard": dashboard,
        "noop": noop,
        "authenticated_noop": whoami,
        "share": dashboard["rps"] / noop["rps"] if noop["rps"] else 0.0,
        "share_of_authenticated_noop": dashboard["rps"] / whoami["rps"] if whoami["rps"] else 0.0,
    }

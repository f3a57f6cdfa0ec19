"""Fill PostgreSQL with national-scale data, fast (COPY, not one save per row).

    python -m bench.generate --preset small            # seconds: 3 bureaus
    python -m bench.generate --preset city             # one city: 40 bureaus
    python -m bench.generate --preset national         # 2,800 bureaus, > 1,000,000 installments
    python -m bench.generate --bureaus 100 --contracts-per-bureau 60

Shapes follow the demo: each bureau buys a number of projects; each project is awarded
for three years and paid through yearly period contracts (2021-2025) of three or four
installments; most installments are paid, some late, some reversed and re-paid, some cut
by an audit deduction; each bureau has budgets per project and year, an audit a year,
its four role users, and a few notifications. Divisions follow the national code
structure (province / city / county), and each city has a city-wide bureau.

The database is the one DATABASE_URL names (migrated first); the generator refuses to
run on a database that already holds records unless --reset is given, which empties the
product's tables first.
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys
import time
from decimal import Decimal

PRESETS = {
    # bureaus (district level), contracts per bureau
    "small": (3, 20),
    "city": (40, 60),
    "national": (2800, 105),
}
YEARS = [2021, 2022, 2023, 2024, 2025]
TODAY = datetime.date(2025, 10, 31)  # the generated world's "today"
PASSWORD = "pbkdf2_sha256$1000000$bench$Fh0xkP0v4F4N1wq4p8B6Yx1mO7C9d3n2s5t8u1v4w7Y="  # unusable
FIELDS = [
    "social_welfare",
    "social_assistance",
    "charity",
    "community",
    "marriage_family",
    "mental_health",
    "disability",
    "education",
    "employment",
    "worker_support",
    "crime_prevention",
    "drug_rehabilitation",
    "correction",
    "health",
    "mediation",
    "emergency",
]
SCHEDULES = [
    [Decimal(30), Decimal(40), Decimal(30)],
    [Decimal(25), Decimal(25), Decimal(25), Decimal(25)],
]
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(region: str, n: int) -> str:
    body = f"52{region}MJ{n % 10_000_000:07d}"
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + CHARSET[(31 - total % 31) % 31]


def split(total: Decimal, percents) -> list[Decimal]:
    cent = Decimal("0.01")
    parts = [(total * p / 100).quantize(cent) for p in percents[:-1]]
    parts.append(total - sum(parts))
    return parts


class Table:
    """Rows for one table, written with COPY."""

    def __init__(self, name, columns):
        self.name, self.columns = name, columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.count = 0

    def add(self, *values):
        self.writer.writerow(["\\N" if v is None else v for v in values])
        self.count += 1

    def copy(self, cursor):
        self.buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        cursor.copy_expert(
            f"COPY \"{self.name}\" ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            self.buffer,
        )


def divisions(bureaus: int):
    """(province, city, county) codes for ``bureaus`` district bureaus, grouped in cities."""
    codes = []
    province = 11
    while len(codes) < bureaus:
        for city in range(1, 21):
            for county in range(1, 15):
                codes.append((province, city, county))
                if len(codes) == bureaus:
                    return codes
        province += 1
    return codes


def generate(bureaus: int, contracts_per_bureau: int, seed: int = 2024) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection

    rng = random.Random(seed)
    if connection.vendor != "postgresql":
        raise SystemExit("bench.generate needs PostgreSQL (set DATABASE_URL)")
    groups = {g.name: g.pk for g in Group.objects.all()}
    # The columns COPY writes, one a line, named as the tables name them: a table's list
    # reads like its model form's ``fields`` because both name the same columns.
    t = {
        "bureau": Table("accounts_bureau", ["id", "name", "division_code", "is_city_wide"]),
        "user": Table(
            "accounts_user",
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "bureau_id",
                "full_name",
                "phone",
            ],
        ),
        "user_groups": Table("accounts_user_groups", ["user_id", "group_id"]),
        "provider": Table(
            "contracts_provider",
            [
                "id",
                "bureau_id",
                "name",
                "credit_code",
                "legal_representative",
                "contact_person",
                "phone",
                "email",
                "address",
                "bank_name",
                "bank_account",
                "rating",
            ],
        ),
        "project": Table(
            "contracts_project",
            [
                "id",
                "bureau_id",
                "name",
                "service_field",
                "department",
                "description",
                "long_term_goals",
                "owner_id",
            ],
        ),
        "award": Table(
            "contracts_award",
            [
                "id",
                "project_id",
                "provider_id",
                "procurement_method",
                "award_date",
                "term_start",
                "term_months",
                "annual_amount",
                "notice_number",
            ],
        ),
        "contract": Table(
            "contracts_contract",
            [
                "id",
                "bureau_id",
                "award_id",
                "number",
                "title",
                "signed_on",
                "start",
                "end",
                "amount",
                "continuing_service",
                "social_workers_senior",
                "social_workers_intermediate",
                "social_workers_assistant",
                "supervision_hours",
                "owner_id",
                "terminated_on",
                "termination_reason",
                "report_frequency",
            ],
        ),
        "budget": Table(
            "payments_budget",
            ["id", "bureau_id", "project_id", "year", "note"],
        ),
        "budget_event": Table(
            "payments_budgetevent",
            [
                "budget_id",
                "kind",
                "amount",
                "dated_on",
                "document_number",
                "reason",
                "recorded_by_id",
                "recorded_at",
            ],
        ),
        "audit": Table(
            "payments_audit",
            [
                "id",
                "bureau_id",
                "kind",
                "firm",
                "project_id",
                "year",
                "started_on",
                "closed_on",
                "report_number",
                "findings",
                "score",
                "grade",
                "satisfaction",
            ],
        ),
        "installment": Table(
            "payments_installment",
            [
                "id",
                "bureau_id",
                "contract_id",
                "number",
                "percent",
                "planned_amount",
                "due_date",
                "documents_due",
                "status",
                "status_changed_at",
                "approved_on",
                "delay_reason",
                "held_by_decision",
            ],
        ),
        "document": Table(
            "payments_requireddocument", ["installment_id", "kind", "name", "received_on", "note"]
        ),
        "deduction": Table(
            "payments_deduction",
            [
                "bureau_id",
                "installment_id",
                "audit_id",
                "amount",
                "decided_on",
                "reason",
                "recorded_by_id",
                "withdrawn_on",
                "withdrawal_reason",
                "basis",
                "basis_url",
            ],
        ),
        "payment": Table(
            "payments_payment",
            [
                "id",
                "bureau_id",
                "installment_id",
                "kind",
                "paid_on",
                "amount",
                "voucher_number",
                "reverses_id",
                "reason",
                "posted_by_id",
                "posted_at",
                "request_key",
            ],
        ),
        "notice": Table(
            "payments_notice",
            [
                "id",
                "bureau_id",
                "key",
                "rule",
                "level",
                "urgent",
                "installment_id",
                "title",
                "body",
                "url",
                "data",
                "created_at",
                "deliver_after",
                "delivered_at",
                "dispatched_at",
                "resolution",
            ],
        ),
        "notification": Table(
            "payments_notification", ["notice_id", "recipient_id", "created_at", "read_at"]
        ),
    }
    ids = dict.fromkeys(t, 0)

    def next_id(kind):
        ids[kind] += 1
        return ids[kind]

    now = "2025-10-31 10:00:00+08"
    import uuid

    city_bureaus = {}
    for province, city, county in divisions(bureaus):
        city_code = f"{province:02d}{city:02d}00"
        if city_code not in city_bureaus:
            city_id = next_id("bureau")
            city_bureaus[city_code] = city_id
            t["bureau"].add(city_id, f"{province}省{city}市民政局", city_code, "t")
            uid = next_id("user")
            t["user"].add(
                uid,
                PASSWORD,
                "f",
                f"city-{city_code}",
                "",
                "",
                "",
                "f",
                "t",
                now,
                city_id,
                "市级分管",
                "",
            )
            t["user_groups"].add(uid, groups["manager"])
        code = f"{province:02d}{city:02d}{county:02d}"
        bureau = next_id("bureau")
        t["bureau"].add(bureau, f"{province}省{city}市{county}区民政局", code, "f")
        users = {}
        for role in ("staff", "finance", "manager", "auditor"):
            uid = next_id("user")
            users[role] = uid
            t["user"].add(
                uid, PASSWORD, "f", f"{role}-{code}", "", "", "", "f", "t", now, bureau, role, ""
            )
            t["user_groups"].add(uid, groups[role])
        providers = []
        for n in range(3):
            pid = next_id("provider")
            providers.append(pid)
            t["provider"].add(
                pid,
                bureau,
                f"{code}第{n + 1}社工服务中心",
                credit_code(code, pid),
                "",
                "主任",
                "",
                f"p{pid}@example.cn",
                "",
                "",
                "",
                rng.choice(["3A", "4A", "5A", ""]),
            )
        audits = {}
        for year in YEARS:
            aid = next_id("audit")
            audits[year] = aid
            t["audit"].add(
                aid,
                bureau,
                "audit",
                "某会计师事务所",
                None,
                year,
                f"{year}-08-01",
                f"{year}-10-31",
                f"审{code}-{year}",
                "经费使用基本符合合同约定",
                None,
                "",
                "",
            )
        # Projects: contracts_per_bureau contracts over five years, one a year per project.
        projects = max(1, contracts_per_bureau // len(YEARS))
        made = 0
        for p in range(projects):
            project = next_id("project")
            t["project"].add(
                project,
                bureau,
                f"社工服务项目{p + 1}",
                FIELDS[(p + int(code)) % len(FIELDS)],
                "科室",
                "",
                "",
                users["staff"],
            )
            annual = Decimal(rng.randrange(300, 1800) * 1000)
            award = next_id("award")
            t["award"].add(
                award,
                project,
                rng.choice(providers),
                "open_tender",
                "2020-12-01",
                "2021-01-01",
                60,
                annual,
                f"公告{award}",
            )
            for year in YEARS:
                if made >= contracts_per_bureau:
                    break
                made += 1
                budget = next_id("budget")
                t["budget"].add(budget, bureau, project, year, "")
                issued = annual if year < 2025 else annual * Decimal("0.95")
                for kind, amount in (("initial", annual), ("issued", issued)):
                    t["budget_event"].add(
                        budget,
                        kind,
                        amount,
                        f"{year}-01-01",
                        f"财预〔{year}〕1号",
                        "年初批复",
                        users["finance"],
                        "2025-10-31 10:00:00+08",
                    )
                contract = next_id("contract")
                t["contract"].add(
                    contract,
                    bureau,
                    award,
                    f"HT-{code}-{year}-{p + 1}",
                    f"{year}年度合同",
                    f"{year - 1}-12-20",
                    f"{year}-01-01",
                    f"{year}-12-31",
                    annual,
                    "f",
                    1,
                    2,
                    3,
                    100,
                    users["staff"],
                    None,
                    "",
                    "quarterly",
                )
                percents = SCHEDULES[(p + year) % 2]
                amounts = split(annual, percents)
                for number, (percent, amount) in enumerate(
                    zip(percents, amounts, strict=True), start=1
                ):
                    month = (
                        3 + (number - 1) * (9 // len(percents))
                        if len(percents) == 3
                        else 2 + (number - 1) * 3
                    )
                    due = datetime.date(year, min(month, 12), 28)
                    _installment(
                        t,
                        next_id,
                        rng,
                        bureau,
                        contract,
                        number,
                        percent,
                        amount,
                        due,
                        users,
                        audits[year],
                        uuid,
                    )
    return t, ids


def _installment(
    t, next_id, rng, bureau, contract, number, percent, amount, due, users, audit, uuid
):
    installment = next_id("installment")
    docs_due = due - datetime.timedelta(days=15)
    roll = rng.random()
    late = due < TODAY and roll < 0.04  # documents late, unpaid
    future = due >= TODAY
    if future:
        status = "planned" if due > TODAY + datetime.timedelta(days=45) else "awaiting_documents"
    elif late:
        status = "awaiting_documents"
    else:
        status = "paid"
    delay = "服务机构提交资料不及时导致财务封账" if late else ""
    approved = (due - datetime.timedelta(days=5)).isoformat() if status == "paid" else None
    t["installment"].add(
        installment,
        bureau,
        contract,
        number,
        percent,
        amount,
        due.isoformat(),
        docs_due.isoformat(),
        status,
        "2025-10-31 10:00:00+08",
        approved,
        delay,
        "f",
    )
    if status != "paid":
        t["document"].add(installment, "invoice", "", None, "")
        t["document"].add(installment, "service_report", "", None, "")
    if late:
        notice = next_id("notice")
        days = (TODAY - due).days
        level = 3 if days >= 30 else 2 if days >= 15 else 1
        t["notice"].add(
            notice,
            bureau,
            f"late:{installment}:{due.isoformat()}:L{level}",
            "late",
            level,
            "t" if level == 3 else "f",
            installment,
            f"分期款已逾期 {days} 天未付",
            "服务机构提交资料不及时导致财务封账",
            f"/payments/installments/{installment}/",
            "{}",
            "2025-10-31 10:00:00+08",
            "2025-10-31 10:00:00+08",
            "2025-10-31 10:00:00+08",
            "2025-10-31 10:00:00+08",
            "",
        )
        for role in ("staff", "finance"):
            t["notification"].add(notice, users[role], "2025-10-31 10:00:00+08", None)
    if status != "paid":
        return
    net = amount
    if rng.random() < 0.05:
        cut = (amount * Decimal("0.02")).quantize(Decimal("0.01"))
        t["deduction"].add(
            bureau,
            installment,
            audit,
            cut,
            (due - datetime.timedelta(days=10)).isoformat(),
            "审计扣减",
            users["finance"],
            None,
            "",
            "",
            "",
        )
        net = amount - cut
    paid_on = due - datetime.timedelta(days=rng.randrange(0, 4))
    payment = next_id("payment")
    t["payment"].add(
        payment,
        bureau,
        installment,
        "payment",
        paid_on.isoformat(),
        net,
        f"记-{payment}",
        None,
        "",
        users["finance"],
        "2025-10-31 10:00:00+08",
        uuid.uuid4(),
    )
    if rng.random() < 0.01:  # a mistake, reversed and paid again
        reversal = next_id("payment")
        t["payment"].add(
            reversal,
            bureau,
            installment,
            "reversal",
            (paid_on + datetime.timedelta(days=1)).isoformat(),
            -net,
            f"记-{reversal}",
            payment,
            "金额录错",
            users["finance"],
            "2025-10-31 10:00:00+08",
            uuid.uuid4(),
        )
        again = next_id("payment")
        t["payment"].add(
            again,
            bureau,
            installment,
            "payment",
            (paid_on + datetime.timedelta(days=1)).isoformat(),
            net,
            f"记-{again}",
            None,
            "",
            users["finance"],
            "2025-10-31 10:00:00+08",
            uuid.uuid4(),
        )


PRODUCT_TABLES = [
    "payments_notification",
    "payments_notice",
    "payments_payment",
    "payments_deduction",
    "payments_requireddocument",
    "payments_installmenttransition",
    "payments_installment_gates",
    "payments_installment",
    "payments_audit",
    "payments_budgetevent",
    "payments_budget",
    "payments_progresscheckpoint",
    "payments_remindersettings",
    "evaluations_rectification",
    "evaluations_finding",
    "evaluations_outputupdate",
    "evaluations_outputindicator",
    "evaluations_statedfigure",
    "evaluations_evaluationrow",
    "evaluations_evaluationtransition",
    "evaluations_evaluation_projects",
    "evaluations_evaluation",
    "contracts_contractattachment",
    "contracts_contract",
    "contracts_award",
    "contracts_annualgoal",
    "contracts_project",
    "contracts_provider",
    "accounts_user_groups",
    "accounts_user_user_permissions",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
    "django_session",
    "accounts_user",
    "accounts_bureau",
]


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None)
    parser.add_argument("--bureaus", type=int, default=None)
    parser.add_argument("--contracts-per-bureau", type=int, default=None)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reset", action="store_true", help="empty the product's tables first")
    args = parser.parse_args(argv)
    bureaus, per_bureau = PRESETS[args.preset or "small"]
    bureaus = args.bureaus or bureaus
    per_bureau = args.contracts_per_bureau or per_bureau
    summary = run(bureaus, per_bureau, seed=args.seed, reset=args.reset)
    for name, count in summary["rows"].items():
        print(f"{name:>14}: {count:>10,}")
    print(f"generated in {summary['seconds']:.1f} s")


def run(bureaus: int, per_bureau: int, *, seed: int = 2024, reset: bool = False) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    name = connection.settings_dict["NAME"] or ""
    if connection.vendor != "postgresql" or not name.startswith("socialwork_bench_"):
        raise SystemExit(
            f"refusing to generate into database {name!r}: the generator may empty the "
            "product's tables, so it runs only on PostgreSQL databases named socialwork_bench_*"
        )
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_bureau")
        if cursor.fetchone()[0] and not reset:
            raise SystemExit("the database already holds bureaus; pass --reset to empty it first")
    started = time.perf_counter()
    tables, _ids = generate(bureaus, per_bureau, seed)
    with transaction.atomic(), connection.cursor() as cursor:
        if reset:
            cursor.execute(
                "TRUNCATE "
                + ", ".join(f'"{name}"' for name in PRODUCT_TABLES)
                + " RESTART IDENTITY CASCADE"
            )
        raw = cursor.cursor
        order = [
            "bureau",
            "user",
            "user_groups",
            "provider",
            "project",
            "award",
            "contract",
            "budget",
            "budget_event",
            "audit",
            "installment",
            "document",
            "deduction",
            "payment",
            "notice",
            "notification",
        ]
        for name in order:
            tables[name].copy(raw)
        for table in (
            "accounts_bureau",
            "accounts_user",
            "contracts_provider",
            "contracts_project",
            "contracts_award",
            "contracts_contract",
            "payments_budget",
            "payments_audit",
            "payments_installment",
            "payments_payment",
            "payments_notice",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "rows": {name: table.count for name, table in tables.items()},
    }


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    main()

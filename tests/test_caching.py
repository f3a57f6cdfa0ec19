"""Every cached thing (a family of accounts/caching.py) is invalidated by the writes that
should invalidate it: for each family, each of its version tokens and each write that
moves that token, the entry is served from the cache before the write and made again
after it. A family or token declared without a proof here fails the suite."""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import caching
from accounts.models import User
from accounts.roles import Role
from contracts import services as contract_services
from evaluations import services as evaluation_services
from payments import services
from payments.reminders import scan
from tests.factories import BudgetFactory, BureauFactory, ContractFactory
from tests.helpers import approve

pytestmark = pytest.mark.django_db

YEAR, AS_OF = 2024, datetime.date(2024, 12, 31)
DASHBOARD = f"/payments/dashboard/?year={YEAR}&as_of={AS_OF}"
LANGUAGE = "zh-hans"
# A Friday in working hours: the scan delivers; the first installment is 40 days late.
SCAN_AT = timezone.make_aware(
    datetime.datetime.combine(datetime.date(2024, 5, 10), datetime.time(10))
)


@pytest.fixture
def world(bureau, staff_user, finance_user, manager_user, make_user):
    city = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("1000000.00")
    )
    BudgetFactory(project=contract.award.project, year=YEAR)
    first, _second = services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(50), Decimal(50)],
        due_dates=[datetime.date(2024, 3, 31), datetime.date(2024, 9, 30)],
    )
    return SimpleNamespace(
        bureau=bureau,
        contract=contract,
        approved=approve(first, staff=staff_user, finance=finance_user),
        staff=staff_user,
        finance=finance_user,
        manager=manager_user,
        city_manager=make_user(Role.MANAGER, city, "city-manager"),
        clients={},
    )


# --- the writes that move each token ----------------------------------------------------------


@dataclass
class Write:
    act: object  # (world) -> None
    prepare: object = None  # (world) -> None, before the entry is first read


def _pay(w, amount="100.00"):
    services.payment_post(
        actor=w.finance,
        installment=w.approved,
        paid_on=datetime.date(2024, 4, 2),
        amount=Decimal(amount),
        voucher_number=f"记-{uuid.uuid4().hex[:8]}",
    )


def _deliver(w):
    scan.run(now=SCAN_AT)


def _pay_in_full_and_resolve(w):
    _pay(w, "500000.00")
    scan.resolve_for_installment(w.approved.pk)


def _role_loses_a_permission(w):
    Group.objects.get(name=Role.AUDITOR).permissions.remove(
        Permission.objects.get(codename="view_history")
    )


RECORDS_WRITES = {
    "a contract changed": Write(
        lambda w: contract_services.contract_update(
            actor=w.staff, contract=w.contract, title="社会事务（修订）"
        )
    ),
    "a payment posted": Write(_pay),
    "a checkpoint set": Write(
        lambda w: services.checkpoint_set(
            actor=w.finance, bureau=w.bureau, year=YEAR, month=9, target_percent=Decimal("75")
        )
    ),
    "the reminder settings saved": Write(
        lambda w: services.reminder_settings_save(
            actor=w.manager, bureau=w.bureau, tolerance_points=Decimal("2.00")
        )
    ),
    "an output indicator saved": Write(
        lambda w: evaluation_services.output_save(
            actor=w.staff,
            project=w.contract.award.project,
            year=YEAR,
            name="个案",
            unit="个",
            target=Decimal("5"),
        )
    ),
    "an urgent notice found by the scan": Write(_deliver),
}
WRITES = {
    caching.RECORDS.name: RECORDS_WRITES,
    # Views across bureaus follow every bureau's records.
    caching.ALL_RECORDS.name: {"a payment posted in one of its bureaus": Write(_pay)},
    caching.ACCESS.name: {
        "a bureau saved": Write(lambda w: w.bureau.save()),
        "a role saved": Write(lambda w: Group.objects.get(name=Role.AUDITOR).save()),
        "a role's permissions changed": Write(_role_loses_a_permission),
    },
    caching.USER_ACCESS.name: {
        "the user saved": Write(lambda w: User.objects.get(pk=w.manager.pk).save()),
        "the user's roles changed": Write(
            lambda w: w.manager.groups.add(Group.objects.get(name=Role.AUDITOR))
        ),
        "the user's own permissions changed": Write(
            lambda w: w.manager.user_permissions.add(
                Permission.objects.get(codename="view_history")
            )
        ),
    },
    caching.INBOX.name: {
        "notifications delivered": Write(_deliver),
        "notifications read": Write(
            lambda w: services.notifications_mark_read(user=w.manager), prepare=_deliver
        ),
        "the notice resolved": Write(_pay_in_full_and_resolve, prepare=_deliver),
    },
}


# --- how to tell whether an entry was made again -----------------------------------------------
# Each probe reads the family's entry as the product does and answers whether it had to
# be made (True) or came from the cache (False).


def _user_for(w, token):
    """The city-wide manager where a family follows all records, else the bureau's."""
    return w.city_manager if token == caching.ALL_RECORDS.name else w.manager


def _counter():
    made = []

    def compute(*_args):
        made.append(1)
        return 1

    return made, compute


def probe_access_user(w, token):
    loads = []
    caching.cached_user(w.manager.pk, lambda: loads.append(1) or User.objects.get(pk=w.manager.pk))
    return bool(loads)


def probe_scope_figures(w, token):
    made, compute = _counter()
    caching.cached(user=_user_for(w, token), name="probe", parts=(YEAR,), compute=compute)
    return bool(made)


def probe_bureau_progress(w, token):
    made, compute = _counter()
    caching.cached_for_bureau(bureau_id=w.bureau.pk, year=YEAR, compute=compute)
    return bool(made)


def probe_bureau_execution(w, token):
    made, compute = _counter()
    caching.cached_per_bureau(
        bureau_ids=[w.bureau.pk], parts=(YEAR, AS_OF), compute=lambda ids: {ids[0]: compute()}
    )
    return bool(made)


def _client(w, user) -> Client:
    if user.pk not in w.clients:
        client = Client()
        client.force_login(user)
        client.get(DASHBOARD)  # the browser's first page sets its CSRF cookie
        w.clients[user.pk] = client
    return w.clients[user.pk]


def probe_dashboard_page(w, token):
    """A page served from the cache runs no SQL at all (session, user and page come from
    the cache); a page made again does."""
    client = _client(w, _user_for(w, token))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries) > 0


def _fragment_made(w, user, name: str, vary_on: list) -> bool:
    """Whether the fragment for the current state was missing (then render the page
    without its page cache, which must store the fragment under exactly that key)."""
    key = make_template_fragment_key(name, [*vary_on, LANGUAGE])
    if cache.get(key) is not None:
        return False
    client = _client(w, user)
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)  # no page cache for this request
    assert client.get(DASHBOARD).status_code == 200
    assert cache.get(key) is not None
    return True


def probe_dashboard_figures(w, token):
    user = _user_for(w, token)
    _client(w, user)
    vary_on = caching.dashboard_figures_key(
        scope=caching.scope_version(user=user), year=YEAR, as_of=AS_OF, today=timezone.localdate()
    )
    return _fragment_made(w, user, "dashboard-figures.body", [vary_on])


def probe_navigation(w, token):
    _client(w, w.manager)  # logging in saves the user (last login): before reading the key
    user = caching.cached_user(w.manager.pk, lambda: User.objects.get(pk=w.manager.pk))
    vary_on = caching.navigation_key(user, "/payments/dashboard/")
    return _fragment_made(w, w.manager, "navigation.menu", [vary_on])


def probe_inbox_count(w, token):
    made, compute = _counter()
    caching.cached_unread_count(w.manager.pk, compute)
    return bool(made)


PROBES = {
    caching.ACCESS_USER.name: probe_access_user,
    caching.SCOPE_FIGURES.name: probe_scope_figures,
    caching.BUREAU_PROGRESS.name: probe_bureau_progress,
    caching.BUREAU_EXECUTION.name: probe_bureau_execution,
    caching.DASHBOARD_PAGE.name: probe_dashboard_page,
    caching.DASHBOARD_FIGURES.name: probe_dashboard_figures,
    caching.NAVIGATION.name: probe_navigation,
    caching.INBOX_COUNT.name: probe_inbox_count,
}


def test_every_declared_family_has_a_proof_here():
    assert set(PROBES) == set(caching.FAMILIES)


def test_every_declared_token_has_the_writes_that_move_it():
    assert set(WRITES) == {token.name for token in caching.TOKENS}
    assert all(WRITES.values())


# Every write that moves a token is proved on one family that follows the token (its
# witness, the cheapest to read); every other family following the token is proved with
# the token's first write: a family is invalidated by its tokens, a token by its writes.
WITNESS = {
    caching.RECORDS.name: caching.SCOPE_FIGURES.name,
    caching.ALL_RECORDS.name: caching.SCOPE_FIGURES.name,
    caching.ACCESS.name: caching.ACCESS_USER.name,
    caching.USER_ACCESS.name: caching.ACCESS_USER.name,
    caching.INBOX.name: caching.INBOX_COUNT.name,
}


def test_every_token_is_witnessed_by_a_family_that_follows_it():
    assert set(WITNESS) == {token.name for token in caching.TOKENS}
    for token, family in WITNESS.items():
        assert token in {t.name for t in caching.FAMILIES[family].tokens}


CASES = [
    pytest.param(family.name, token.name, write, id=f"{family.name}|{token.name}|{write}")
    for family in caching.FAMILIES.values()
    for token in family.tokens
    for write in (
        list(WRITES[token.name])
        if WITNESS[token.name] == family.name
        else list(WRITES[token.name])[:1]
    )
]


@pytest.mark.parametrize(("family", "token", "write"), CASES)
def test_a_write_makes_the_cached_entry_again(world, family, token, write):
    probe, change = PROBES[family], WRITES[token][write]
    if change.prepare:
        change.prepare(world)
    probe(world, token)
    assert probe(world, token) is False  # served from the cache while nothing changes
    change.act(world)
    assert probe(world, token) is True


def test_entries_an_earlier_release_stored_are_never_read(world, monkeypatch):
    """A release that changes what an entry holds changes the generation: what the
    earlier code cached (an object of another shape, an older page) is not served."""
    monkeypatch.setattr(caching, "GENERATION", "g-earlier")
    caching.cached(user=world.manager, name="probe", parts=(), compute=lambda: "earlier")
    assert caching.cached(user=world.manager, name="probe", parts=(), compute=lambda: 0) == (
        "earlier"
    )
    monkeypatch.undo()
    assert caching.cached(user=world.manager, name="probe", parts=(), compute=lambda: "now") == (
        "now"
    )
    user = caching.cached_user(world.manager.pk, lambda: User.objects.get(pk=world.manager.pk))
    assert caching.GENERATION in caching.navigation_key(user, "/")
    assert caching.GENERATION in caching.dashboard_figures_key(
        scope="b1-x", year=YEAR, as_of=AS_OF, today=AS_OF
    )


def test_every_cache_entry_of_the_application_is_declared_in_the_caching_module():
    """Outside accounts/caching.py the application reads and writes the cache only under
    the keys of the states declared there (the families go through its functions)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    declared = {"PROGRESS.key(", "HEARTBEAT_KEY", "_PROBE_KEY"}
    call = re.compile(r"\bcache\.(\w+)\((.*)")
    undeclared = []
    for app in (
        "accounts",
        "config",
        "contracts",
        "core",
        "evaluations",
        "imports",
        "payments",
        "portal",
    ):
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts or path.name == "caching.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = call.search(line)
                argument = re.match(r"[\w.]+\(?", found.group(2)) if found else None
                if found and (argument is None or argument.group() not in declared):
                    undeclared.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert undeclared == []
    assert set(caching.TASK_STATES) == {"import-progress", "beat-heartbeat", "cache-probe"}
    assert caching.IMPORT_PROGRESS.key(7) == "imports:progress:7"

"""Shared fixtures: bureaus, one user per role, logged-in clients, the demo, a contract paid
30/40/30 with its second installment approved, and the browser."""

import atexit
import datetime
import os
import shutil
import tempfile
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group

from accounts.roles import Role
from payments import services
from tests import scheduling, template_database
from tests.demo import DemoSnapshot
from tests.factories import BudgetFactory, BureauFactory, ContractFactory, UserFactory
from tests.helpers import approve

# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Without Redis the cache is a directory: the tests (and the workers they start) get their
# own, never the one of a server running from the same checkout. In memory where the
# machine has a tmpfs: every write of a service moves a version token in it.
_TMPFS = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# `make test` runs the suite in two pytest-xdist workers (gw0, gw1), each with its own
# database. What lies outside the database is made the worker's own here, before any test
# module reads it: the cache directory, the media directory, and the three Redis databases
# from TEST_REDIS_DB (gw1 takes the three below gw0's: 13-15 and 10-12 by default).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ["DJANGO_CACHE_DIR"] = tempfile.mkdtemp(
        prefix=f"socialwork-test-cache-gw{_WORKER}-", dir=_TMPFS
    )
    os.environ["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(prefix=f"socialwork-test-media-gw{_WORKER}-")
    django_settings.MEDIA_ROOT = os.environ["DJANGO_MEDIA_ROOT"]
    atexit.register(shutil.rmtree, os.environ["DJANGO_MEDIA_ROOT"], ignore_errors=True)
    _base = int(os.environ.get("TEST_REDIS_DB", "13"))
    os.environ["TEST_REDIS_DB"] = str(
        _base - 3 * _WORKER if _base >= 3 * _WORKER else _base + 3 * _WORKER
    )
os.environ.setdefault(
    "DJANGO_CACHE_DIR", tempfile.mkdtemp(prefix="socialwork-test-cache-", dir=_TMPFS)
)
if django_settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    django_settings.CACHES["default"]["LOCATION"] = os.environ["DJANGO_CACHE_DIR"]
    atexit.register(shutil.rmtree, os.environ["DJANGO_CACHE_DIR"], ignore_errors=True)

# Debian's Chromium: its headless shell (package chromium-headless-shell, the headless
# browser Playwright itself runs) where installed, the whole browser otherwise. The shell
# draws the same pages with about half the processor time.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or next(
    (p for p in ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium") if os.path.exists(p)),
    "/usr/bin/chromium",
)


def pytest_configure(config):
    """Under pytest-xdist, the controlling process gives the workers a folder to name the
    files that need no database in (tests/scheduling.py) and, on SQLite, starts migrating
    the template of the test databases while they start (tests/template_database.py)."""
    if hasattr(config, "workerinput"):
        if os.environ.get(template_database.BUILDING):
            # Give way to the migration the workers wait for: it gets a core of its own
            # while they run the tests that need no database on the other.
            os.nice(5)
        return
    if not getattr(config.option, "numprocesses", None):
        return
    os.environ[scheduling.HINTS] = tempfile.mkdtemp(prefix="socialwork-test-hints-")
    atexit.register(shutil.rmtree, os.environ[scheduling.HINTS], ignore_errors=True)
    if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        config.template_builder = template_database.start_building()
        if config.template_builder is not None:
            os.environ[template_database.BUILDING] = "1"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    if hasattr(config, "workerinput"):
        scheduling.note_files_without_database(items)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown with -p no:xdist
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` hands out the heaviest files first (tests/scheduling.py)."""
    if config.getvalue("dist") == "loadfile":
        return scheduling.HeaviestFilesFirst(config, log)
    return None


def pytest_unconfigure(config):
    builder = getattr(config, "template_builder", None)
    if builder is not None:
        builder.wait()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """pytest-django's (a database per xdist worker); then a SQLite test database is made as
    a copy of the migrated template instead of migrating it again."""
    from django.db import connection

    template_database.copy_instead_of_migrating(connection)


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in-process unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: ids are reused between tests (rollbacks), so
    a version token of one test's bureau must not meet another test's records."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the demo ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_snapshot():
    """The rows of ``load_demo``, built on first use (tests/demo.py)."""
    return DemoSnapshot()


@pytest.fixture(autouse=True)
def _demo_before_other_records(request, _fast_passwords):
    """A test that asks for the demo gets it before any fixture of its own writes a record,
    so the demo is built, when it must be, on an empty database."""
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")


@pytest.fixture
def demo(db, demo_snapshot):
    """The seed's records (``load_demo``) in this test's transaction; the demo users by
    username (admin, manager, finance, staff, auditor)."""
    from accounts.models import User

    demo_snapshot.restore()
    return {user.username: user for user in User.objects.all()}


@pytest.fixture
def demo_loaded(demo):
    """The demo as ``load_demo`` leaves it: the seed's records and today's notices in the
    app (the late installment in the bell)."""
    from payments import reminders

    reminders.run(send=reminders.APP_ONLY)
    return demo


@pytest.fixture
def demo_evaluation(demo):
    """The demo's 2024 evaluation (95, 优)."""
    from evaluations.models import Evaluation

    return Evaluation.objects.get(year=2024)


@pytest.fixture
def bureau(db):
    return BureauFactory(name="深圳市盐田区民政局", division_code="440308")


@pytest.fixture
def other_bureau(db):
    return BureauFactory(name="深圳市南山区民政局", division_code="440305")


def _user(role, bureau, username=None):
    user = UserFactory(username=username or f"{role}-{bureau.division_code}", bureau=bureau)
    user.groups.add(Group.objects.get(name=str(role)))
    return user


@pytest.fixture
def make_user(db):
    return _user


@pytest.fixture
def staff_user(bureau):
    return _user(Role.STAFF, bureau, "staff")


@pytest.fixture
def finance_user(bureau):
    return _user(Role.FINANCE, bureau, "finance")


@pytest.fixture
def manager_user(bureau):
    return _user(Role.MANAGER, bureau, "manager")


@pytest.fixture
def auditor_user(bureau):
    return _user(Role.AUDITOR, bureau, "auditor")


@pytest.fixture
def admin_user(db):
    """The platform's system administrator: no bureau, the admin site, no bureau's records."""
    user = UserFactory(username="admin", bureau=None, is_staff=True)
    user.groups.add(Group.objects.get(name=str(Role.ADMIN)))
    return user


@pytest.fixture
def security_admin(bureau):
    """The bureau's security administrator (安全管理员)."""
    user = _user(Role.SECURITY, bureau, "secadmin")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def audit_admin(bureau):
    """The bureau's audit administrator (审计管理员)."""
    return _user(Role.AUDIT_ADMIN, bureau, "auditadmin")


@pytest.fixture
def bureau_admin(security_admin):
    """The bureau's administrator of accounts (安全管理员), who may use the admin site."""
    return security_admin


@pytest.fixture
def staff_flagged_finance(make_user, bureau):
    """A finance officer a superuser let into the admin: it shows them their bureau only."""
    user = make_user(Role.FINANCE, bureau, "admin-finance")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def other_staff_user(other_bureau):
    return _user(Role.STAFF, other_bureau, "other-staff")


@pytest.fixture
def project(bureau):
    """A project of the bureau under contract, with a 2024 budget."""
    contract = ContractFactory(award__project__bureau=bureau)
    BudgetFactory(project=contract.award.project, year=2024)
    return contract.award.project


@pytest.fixture
def client_for(client):
    """``client_for(user)``: a test client logged in as ``user``."""

    def login(user):
        client.force_login(user)
        return client

    return login


# --- a contract paid 30/40/30 ------------------------------------------------------------


@pytest.fixture
def contract(bureau, staff_user):
    contract = ContractFactory(
        award__project__bureau=bureau, owner=staff_user, amount=Decimal("1014000.00")
    )
    BudgetFactory(project=contract.award.project, year=2024)
    return contract


@pytest.fixture
def schedule(contract, finance_user):
    return services.schedule_generate(
        actor=finance_user,
        contract=contract,
        percents=[Decimal(30), Decimal(40), Decimal(30)],
        due_dates=[
            datetime.date(2023, 9, 30),
            datetime.date(2024, 3, 31),
            datetime.date(2024, 7, 31),
        ],
    )


@pytest.fixture
def approved(schedule, staff_user, finance_user):
    """The second installment (405,600.00 yuan), approved and unpaid."""
    return approve(schedule[1], staff=staff_user, finance=finance_user)


# --- the browser -----------------------------------------------------------------------


def _browser_available() -> bool:
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not _browser_available():
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " and REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    # An English browser: the product must still open in Chinese.
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def login_page(page, live_server):
    """``login_page(username, password)``: log in through the real form."""

    page.set_default_timeout(10_000)

    def login(username, password):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return login

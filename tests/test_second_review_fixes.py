"""Regressions found by the second review: admin scoping, cache scopes, exports, the
payment deadline after a reversal, full deductions, stale schedules and reopened notices."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role
from payments import selectors
from payments.models import Installment, ProgressCheckpoint
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Installment.Status


@pytest.fixture
def bureau_admin(security_admin):
    """The bureau's administrator of accounts (安全管理员)."""
    return security_admin


@pytest.fixture
def staff_flagged_finance(make_user, bureau):
    """A finance officer a superuser let into the admin: it shows them their bureau only."""
    user = make_user(Role.FINANCE, bureau, "admin-finance")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    return {u.username: u for u in User.objects.all()}


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_history_of_another_bureaus_record_is_refused(
    client, staff_flagged_finance, bureau, other_bureau
):
    mine = ContractFactory(award__project__bureau=bureau)
    theirs = ContractFactory(award__project__bureau=other_bureau)
    client.force_login(staff_flagged_finance)
    assert client.get(f"/admin/contracts/contract/{mine.pk}/history/").status_code == 200
    # simple_history finds the object past the scoped queryset: the permission check
    # itself must know the bureau.
    assert client.get(f"/admin/contracts/contract/{theirs.pk}/history/").status_code == 403
    version = theirs.history.latest().history_id
    response = client.get(f"/admin/contracts/contract/{theirs.pk}/history/{version}/")
    assert response.status_code == 403


def test_a_bureau_admin_cannot_see_or_take_over_a_superuser_of_their_bureau(
    client, bureau_admin, bureau
):
    root = UserFactory(username="root-of-bureau", bureau=None, is_superuser=True, is_staff=True)
    client.force_login(bureau_admin)
    assert "root-of-bureau" not in client.get("/admin/accounts/user/").content.decode()
    change = client.get(f"/admin/accounts/user/{root.pk}/change/")
    assert change.status_code == 302  # "does not exist", back to the admin index
    response = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": "taken-over-123", "password2": "taken-over-123"},
    )
    assert response.status_code in (403, 404)
    root.refresh_from_db()
    assert not root.check_password("taken-over-123")


def test_celery_beat_schedules_are_for_the_platform_administrator_only(
    bureau_admin, admin_user, client
):
    # A periodic task names any task: the platform's administrator keeps them, no bureau's.
    group = Group.objects.get(name=str(Role.SECURITY))
    assert not group.permissions.filter(content_type__app_label="django_celery_beat").exists()
    client.force_login(bureau_admin)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403
    client.force_login(admin_user)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200


def test_a_checkpoint_set_in_the_admin_obeys_the_rule_and_reaches_the_dashboard(
    client, staff_flagged_finance, bureau, manager_user
):
    ProgressCheckpoint.objects.create(
        bureau=bureau, year=2024, month=9, target_percent=Decimal("75")
    )
    as_of = datetime.date(2024, 10, 15)
    before = selectors.execution(user=manager_user, year=2024, as_of=as_of)
    assert before.target.percent == Decimal("75.00")
    client.force_login(staff_flagged_finance)
    form = {"bureau": bureau.pk, "year": 2024, "month": 6, "target_percent": "80"}
    response = client.post("/admin/payments/progresscheckpoint/add/", form)
    assert response.status_code == 200
    assert "序时进度应随月份递增：9月底为 75.00%。" in response.content.decode()
    assert ProgressCheckpoint.objects.count() == 1
    checkpoint = ProgressCheckpoint.objects.get()
    response = client.post(
        f"/admin/payments/progresscheckpoint/{checkpoint.pk}/change/",
        {"bureau": bureau.pk, "year": 2024, "month": 9, "target_percent": "70"},
    )
    assert response.status_code == 302
    # The dashboard's cached figures move on with the admin's change.
    after = selectors.execution(user=manager_user, year=2024, as_of=as_of)
    assert after.target.percent == Decimal("70.00")


# --- cache scopes ---------------------------------------------------------------------------


def test_an_account_without_a_bureau_never_reads_a_superusers_cached_figures(demo):
    as_of = datetime.date(2024, 12, 31)
    root = UserFactory(username="root", bureau=None, is_superuser=True)
    everything = selectors.execution(user=root, year=2024, as_of=as_of)
    assert everything.total.paid == Decimal("2177100.00")
    nobody = UserFactory(username="nobody", bureau=None)
    nobody.groups.add(Group.objects.get(name=str(Role.MANAGER)))
    nothing = selectors.execution(user=nobody, year=2024, as_of=as_of)
    assert nothing.total.paid == 0 and nothing.rows == []


# --- exports --------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_is_exported_as_text(client_for, staff_user, bureau):
    title = '=HYPERLINK("http://example.invalid","点此")'
    ContractFactory(award__project__bureau=bureau, title=title, number="F-1")
    response = client_for(staff_user).get("/contracts/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == title]
    assert cells and all(c.data_type == "s" for c in cells)


def test_budgets_can_be_searched_across_bureaus(demo, client):
    from tests.factories import BureauFactory

    shenzhen = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    city = UserFactory(username="city-search", bureau=shenzhen)
    city.groups.add(Group.objects.get(name=str(Role.FINANCE)))
    client.force_login(city)
    page = client.get("/payments/budgets/?q=助残").content.decode()
    assert "助残社工服务项目" in page
    assert "社会事务及福利保障社工服务项目" not in page

"""The admin site: a bureau's administrator sees and changes only their bureau's records
and accounts, never a superuser, never another bureau's history; the beat schedules are
the platform's superusers' alone."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from tests.factories import ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_bureau_admin_sees_only_their_bureau_in_the_admin_and_cannot_make_superusers(
    make_user, bureau, other_bureau, client, security_admin
):
    mine = ContractFactory(award__project__bureau=bureau, number="MINE-1")
    ContractFactory(award__project__bureau=other_bureau, number="THEIRS-1")
    # A staff-flagged auditor (the admin is not their place, but if a superuser let them in)
    # reads only their bureau's records there, and changes none.
    reader = make_user("auditor", bureau, "staff-flagged-auditor")
    reader.is_staff = True
    reader.save()
    client.force_login(reader)
    page = client.get("/admin/contracts/contract/").content.decode()
    assert "MINE-1" in page and "THEIRS-1" not in page
    assert client.get(f"/admin/contracts/contract/{mine.pk}/change/").status_code == 200
    assert (
        'name="number"'
        not in client.get(f"/admin/contracts/contract/{mine.pk}/change/").content.decode()
    )
    # The bureau's security administrator reads no business record at all (三权分立).
    admin = security_admin
    client.force_login(admin)
    assert client.get("/admin/contracts/contract/").status_code == 403
    assert client.get(f"/admin/contracts/contract/{mine.pk}/change/").status_code == 403
    form = client.get(f"/admin/accounts/user/{admin.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in form and 'name="user_permissions"' not in form
    assert 'name="groups"' not in form and 'name="is_staff"' not in form
    bureau_form = client.get(f"/admin/accounts/bureau/{bureau.pk}/change/").content.decode()
    assert 'name="is_city_wide"' not in bureau_form
    assert client.get(f"/admin/accounts/bureau/{other_bureau.pk}/change/").status_code == 302


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

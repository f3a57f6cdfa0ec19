"""The access cache of every request never outlives a change: who the user is, their
bureau, their roles and what the menu offers them count from the next request."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_a_role_taken_away_counts_on_the_next_request(client_for, staff_user):
    client = client_for(staff_user)
    assert client.get("/contracts/new/").status_code == 200
    staff_user.groups.remove(Group.objects.get(name=Role.STAFF))
    assert client.get("/contracts/new/").status_code == 403


def test_a_role_given_shows_its_menu_on_the_next_request(client_for, make_user, bureau):
    user = make_user(Role.AUDITOR, bureau, "auditor-then-finance")
    client = client_for(user)
    assert 'href="/payments/progress/"' not in client.get("/payments/installments/").text
    user.groups.add(Group.objects.get(name=Role.FINANCE))
    assert 'href="/payments/progress/"' in client.get("/payments/installments/").text


def test_a_deactivated_account_is_logged_out_on_the_next_request(client_for, staff_user):
    client = client_for(staff_user)
    assert client.get("/contracts/").status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert client.get("/contracts/").status_code == 302


def test_a_changed_bureau_scopes_the_next_request(client_for, staff_user, other_bureau):
    from tests.factories import ContractFactory

    contract = ContractFactory(award__project__bureau=staff_user.bureau, owner=staff_user)
    client = client_for(staff_user)
    assert client.get(f"/contracts/{contract.pk}/").status_code == 200
    staff_user.bureau = other_bureau
    staff_user.save()
    assert client.get(f"/contracts/{contract.pk}/").status_code == 404

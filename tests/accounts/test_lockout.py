"""Lock-out by account and address together (django-axes): a stranger cannot lock an
account out from elsewhere, and one password sprayed over many accounts locks the address."""

import pytest

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

# Documentation addresses (RFC 5737): only request metadata, no traffic goes anywhere.
A, B = "192.0.2.10", "198.51.100.20"


def _login(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_from_one_address_lock_that_pair_only(client, finance_user):
    for _attempt in range(4):
        assert _login(client, "finance", "wrong", A).status_code == 200
    response = _login(client, "finance", "wrong", A)
    assert response.status_code == 429
    assert "连续 5 次登录失败，该账户已被锁定 30 分钟" in response.content.decode()
    # The right password from address A is refused while the lock holds ...
    assert _login(client, "finance", TEST_PASSWORD, A).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... and the finance officer at their own desk (address B) logs in.
    response = _login(client, "finance", TEST_PASSWORD, B)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(finance_user.pk)


def test_one_password_sprayed_over_many_accounts_locks_the_address(client, settings, staff_user):
    assert settings.AXES_ADDRESS_FAILURE_LIMIT == 20
    for n in range(19):
        assert _login(client, f"guess{n}", "Spring2025!", A).status_code == 200
    assert _login(client, "guess19", "Spring2025!", A).status_code == 429
    # Locked for every account from that address, a real one with its right password too.
    assert _login(client, "staff", TEST_PASSWORD, A).status_code == 429
    assert _login(client, "staff", TEST_PASSWORD, B).status_code == 302


def test_a_few_colleagues_typos_behind_one_address_lock_nobody(
    client, staff_user, finance_user, manager_user
):
    # One office, one NAT address: four typos each from three people.
    for username in ("staff", "finance", "manager"):
        for _attempt in range(4):
            assert _login(client, username, "typo", A).status_code == 200
    assert _login(client, "staff", TEST_PASSWORD, A).status_code == 302


def test_a_success_clears_the_accounts_failures_but_not_the_addresss(client, staff_user, settings):
    for n in range(15):
        _login(client, f"guess{n}", "Spring2025!", A)
    for _attempt in range(4):
        _login(client, "staff", "wrong", A)
    assert _login(client, "staff", TEST_PASSWORD, A).status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR=A)
    # 15 sprayed failures remain counted against the address: one more locks it.
    assert _login(client, "guess15", "Spring2025!", A).status_code == 200
    assert _login(client, "guess16", "Spring2025!", A).status_code == 200
    assert _login(client, "guess17", "Spring2025!", A).status_code == 200
    assert _login(client, "guess18", "Spring2025!", A).status_code == 200
    assert _login(client, "guess19", "Spring2025!", A).status_code == 429


def test_no_security_check_is_silenced(settings):
    silenced = getattr(settings, "SILENCED_SYSTEM_CHECKS", [])
    assert not [c for c in silenced if c.startswith(("security.", "axes."))]

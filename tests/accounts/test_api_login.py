"""An anonymous call to the API is a 401 with a JSON body, not a redirect to a form."""

import pytest

from tests.accounts.test_access import PUBLIC, _routes

pytestmark = pytest.mark.django_db


def test_every_api_url_answers_an_anonymous_caller_401_in_json(client):
    urls = sorted(url for url in set(_routes()) - PUBLIC if url.startswith("/api/"))
    assert urls == ["/api/v1/evaluations/1/", "/api/v1/execution/", "/api/v1/whoami/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "未登录或登录已过期，请先登录。"}, url


def test_pages_still_send_an_anonymous_visitor_to_the_login_page(client):
    response = client.get("/payments/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/payments/dashboard/"


def test_a_logged_in_caller_gets_the_api(client_for, finance_user):
    response = client_for(finance_user).get("/api/v1/whoami/")
    assert response.status_code == 200
    assert response.json()["username"] == "finance"

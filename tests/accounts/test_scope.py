"""Who sees which bureau."""

import pytest

from accounts.models import User
from accounts.selectors import bureau_scope, visible_bureaus
from tests.factories import BureauFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_district_user_sees_only_their_bureau(bureau, other_bureau, staff_user, other_staff_user):
    assert list(visible_bureaus(user=staff_user)) == [bureau]
    assert list(User.objects.filter(bureau_scope(user=staff_user))) == [staff_user]


def test_a_city_wide_user_sees_the_bureaus_of_their_city_only(bureau, other_bureau):
    city = BureauFactory(name="深圳市民政局", division_code="440300", is_city_wide=True)
    guangzhou = BureauFactory(name="广州市天河区民政局", division_code="440106")
    user = UserFactory(bureau=city)
    seen = set(visible_bureaus(user=user))
    assert seen == {city, bureau, other_bureau}
    assert guangzhou not in seen


def test_a_province_wide_user_sees_the_whole_province(bureau):
    province = BureauFactory(name="广东省民政厅", division_code="440000", is_city_wide=True)
    guangzhou = BureauFactory(name="广州市天河区民政局", division_code="440106")
    beijing = BureauFactory(name="北京市东城区民政局", division_code="110101")
    user = UserFactory(bureau=province)
    seen = set(visible_bureaus(user=user))
    assert {province, bureau, guangzhou} <= seen
    assert beijing not in seen


def test_a_user_without_a_bureau_is_told_instead_of_a_500(client):
    from django.contrib.auth.models import Group

    nobody = UserFactory(username="no-bureau", bureau=None)
    nobody.groups.add(*Group.objects.filter(name__in=["staff", "finance", "manager"]))
    client.force_login(nobody)
    for url in (
        "/evaluations/new/",
        "/payments/audits/new/",
        "/payments/progress/",
        "/payments/reminders/settings/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert "您的账户未分配单位" in response.content.decode(), url

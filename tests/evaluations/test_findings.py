"""Findings and rectification: the list by year, status and overdue, scoped to the bureau
and linked from the menu; overdue rectifications on the manager's dashboard; a
recommendation frozen once submitted while its follow-up goes on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from evaluations import services
from evaluations.models import Rectification

pytestmark = pytest.mark.django_db


def test_the_findings_list_filters_by_year_status_and_overdue(demo, client, monkeypatch):
    users = demo
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2025, 4, 15))
    client.force_login(users["manager"])

    def rows(query=""):
        page = client.get(f"/evaluations/findings/{query}").content.decode()
        assert 'id="rectification-table"' in page
        body = page[page.index('id="rectification-table"') :]
        body = body[body.index("<tbody>") : body.index("</tbody>")]
        return [r for r in body.split("<tr")[1:] if "<td" in r and "colspan" not in r]

    assert len(rows()) == 4
    overdue = rows("?overdue=true")
    assert len(overdue) == 2  # due 2025-01-31 and 2025-03-31
    assert "根据项目进展督促服务机构及时提交资料" in overdue[0] and "逾期 74 天" in overdue[0]
    assert "优化活动设计，降低参与门槛" in overdue[1] and "逾期 15 天" in overdue[1]
    assert rows("?year=2023") == []
    assert len(rows("?year=2024&status=open")) == 4
    rectification = Rectification.objects.get(recommendation__startswith="根据项目进展督促")
    services.rectification_save(
        actor=users["staff"],
        finding=rectification.finding,
        rectification=rectification,
        status="done",
        completed_on=datetime.date(2025, 1, 20),
        evidence="已建立资料提交提醒。",
    )
    assert len(rows("?status=done")) == 1
    assert len(rows("?overdue=true")) == 1


def test_the_findings_list_is_scoped_to_the_bureau(demo, client, make_user, other_bureau):
    client.force_login(make_user("manager", other_bureau))
    page = client.get("/evaluations/findings/").content.decode()
    assert "根据项目进展督促" not in page and "没有符合条件的问题与整改。" in page
    client.force_login(make_user("finance", other_bureau))
    assert client.get("/evaluations/findings/").status_code == 200


def test_the_menu_links_findings_and_the_assessments(demo, client):
    users = demo
    client.force_login(users["auditor"])
    nav = client.get("/evaluations/").content.decode().split("</nav>")[0]
    assert 'href="/evaluations/findings/"' in nav and "问题与整改" in nav
    assert 'href="/payments/audits/?kind=assessment"' in nav
    page = client.get("/payments/audits/?kind=assessment").content.decode()
    assert "深圳市盐田区汇研社会工作标准事务所" in page
    assert "深圳诚安会计师事务所" not in page


def test_an_overdue_rectification_shows_on_the_managers_dashboard(demo, client):
    users = demo
    client.force_login(users["manager"])
    # Overdue as of the dashboard's date: not yet on 31 December 2024, the demo's default.
    page = client.get("/payments/dashboard/").content.decode()
    panel = page[page.index('id="overdue-rectifications"') :]
    assert "根据项目进展督促服务机构及时提交资料" not in panel
    page = client.get("/payments/dashboard/?as_of=2025-04-15").content.decode()
    panel = page[page.index('id="overdue-rectifications"') :]
    assert "根据项目进展督促服务机构及时提交资料" in panel
    assert "整改期限 2025-01-31" in panel
    rectification = Rectification.objects.get(recommendation__startswith="根据项目进展督促")
    with pytest.raises(ValidationError) as excinfo:
        services.rectification_save(
            actor=users["staff"],
            finding=rectification.finding,
            rectification=rectification,
            status="done",
        )
    assert set(excinfo.value.message_dict) == {"completed_on", "evidence"}
    services.rectification_save(
        actor=users["staff"],
        finding=rectification.finding,
        rectification=rectification,
        status="done",
        completed_on=datetime.date(2025, 1, 20),
        evidence="已建立资料提交提醒，2025 年第一期款按时支付。",
    )
    page = client.get("/payments/dashboard/?as_of=2025-04-15").content.decode()
    assert (
        "根据项目进展督促服务机构及时提交资料"
        not in page[page.index('id="overdue-rectifications"') :]
    )


def test_recommendations_are_frozen_after_submission_but_their_follow_up_is_not(demo):
    rectification = Rectification.objects.first()
    staff = demo["staff"]
    with pytest.raises(ValidationError):
        services.rectification_save(
            actor=staff,
            finding=rectification.finding,
            rectification=rectification,
            recommendation="改写",
        )
    services.rectification_save(
        actor=staff,
        finding=rectification.finding,
        rectification=rectification,
        status="in_progress",
        owner="新科室",
    )
    rectification.refresh_from_db()
    assert (rectification.status, rectification.owner) == ("in_progress", "新科室")

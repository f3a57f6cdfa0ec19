"""The security audit log (安全审计): each security event with who, when, from where, what;
append-only in the database; a hash chain that finds an edited or deleted entry; kept
180 days; read by the audit administrator in a filtered page with an Excel export."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts import audit, services
from accounts.models import SecurityEvent, SecurityLogAnchor
from accounts.roles import Role
from tests.factories import TEST_PASSWORD, ContractFactory

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.7"  # a documentation address (RFC 5737): no traffic goes anywhere


def _events(*kinds):
    rows = SecurityEvent.objects.order_by("seq")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return list(rows.values_list("kind", "username", "ip_address"))


def test_logins_failures_lock_outs_and_logouts_are_recorded_with_user_time_and_address(
    client, staff_user, bureau
):
    before = timezone.now()
    for _attempt in range(5):
        client.post(
            "/accounts/login/", {"username": "staff", "password": "wrong"}, REMOTE_ADDR=ADDRESS
        )
    assert _events("login_failed") == [("login_failed", "staff", ADDRESS)] * 5
    assert _events("locked_out")[0] == ("locked_out", "staff", ADDRESS)

    client.post(
        "/accounts/login/",
        {"username": "staff", "password": TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.9",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="203.0.113.9")
    assert _events("login", "logout") == [
        ("login", "staff", "203.0.113.9"),
        ("logout", "staff", "203.0.113.9"),
    ]
    login = SecurityEvent.objects.get(kind="login")
    assert login.user == staff_user and login.bureau == bureau
    assert before <= login.created_at <= timezone.now()
    assert login.path == "/accounts/login/"


def test_password_changes_refusals_exports_downloads_and_admin_changes_are_recorded(
    client_for, staff_user, security_admin, bureau
):
    ContractFactory(award__project__bureau=bureau)
    client = client_for(staff_user)
    client.post(
        "/accounts/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Brand-New-Secret-42",
            "new_password2": "Brand-New-Secret-42",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert client.get("/payments/budgets/new/", REMOTE_ADDR=ADDRESS).status_code == 403
    assert client.get("/contracts/export/?status=active", REMOTE_ADDR=ADDRESS).status_code == 200
    assert _events("password_changed", "permission_denied", "export") == [
        ("password_changed", "staff", ADDRESS),
        ("permission_denied", "staff", ADDRESS),
        ("export", "staff", ADDRESS),
    ]
    export = SecurityEvent.objects.get(kind="export")
    assert export.path == "/contracts/export/?status=active"
    assert export.detail.startswith("合同-") and export.detail.endswith(".xlsx")

    admin = client_for(security_admin)
    response = admin.post(
        f"/admin/accounts/user/{staff_user.pk}/change/",
        {
            "username": "staff",
            "bureau": bureau.pk,
            "full_name": "陈社工科（调岗）",
            "email": "",
            "phone": "",
            "is_active": "on",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    change = SecurityEvent.objects.get(kind="admin_change")
    assert (change.username, change.ip_address) == ("secadmin", ADDRESS)
    assert "修改 user 陈社工科（调岗）" in change.detail


def test_a_report_download_is_recorded(client, demo, demo_evaluation):
    client.force_login(demo["manager"])
    evaluation = demo_evaluation
    response = client.get(f"/evaluations/{evaluation.pk}/report.docx", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    download = SecurityEvent.objects.get(kind="download")
    assert (download.username, download.ip_address) == ("manager", ADDRESS)
    assert download.detail.endswith(".docx")


def test_the_database_refuses_to_change_or_delete_an_entry(staff_user):
    event = audit.record(audit.Kind.LOGIN, user=staff_user)
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(detail="改掉")
    with pytest.raises(DatabaseError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.detail == ""


def _without_trigger(name, sql):
    """Run raw SQL with one of the log's triggers set aside (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of this transaction run first: ALTER TABLE
            # refuses a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE accounts_securityevent DISABLE TRIGGER {name}")
        else:
            cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(sql)


def _three_events(user):
    for detail in ("一", "二", "三"):
        audit.record(audit.Kind.EXPORT, user=user, detail=detail)
    call_command("verify_audit_log", verbosity=0)  # intact: no error


def test_verify_audit_log_reports_an_entry_edited_in_the_database(staff_user, capsys):
    _three_events(staff_user)
    _without_trigger(
        "accounts_securityevent_no_update",
        "UPDATE accounts_securityevent SET detail = '无' WHERE seq = 2",
    )
    with pytest.raises(CommandError, match="安全审计日志被改动：1 处问题"):
        call_command("verify_audit_log")
    assert "第 2 条内容与摘要不符（已被改动）。" in capsys.readouterr().out


def test_verify_audit_log_reports_an_entry_deleted_in_the_database(staff_user, capsys):
    _three_events(staff_user)
    _without_trigger(
        "accounts_securityevent_no_delete", "DELETE FROM accounts_securityevent WHERE seq = 2"
    )
    with pytest.raises(CommandError, match="安全审计日志被改动：2 处问题"):
        call_command("verify_audit_log")
    out = capsys.readouterr().out
    assert "第 2–2 条缺失（已被删除）。" in out
    assert "第 3 条与前一条的摘要不衔接（前一条被改动或删除）。" in out


def test_only_entries_older_than_the_retention_are_purged_and_the_chain_still_verifies(
    staff_user, capsys
):
    long_ago = timezone.now() - datetime.timedelta(days=200)
    with time_machine.travel(timezone.localtime(long_ago), tick=False):
        audit.record(audit.Kind.LOGIN, user=staff_user)
        audit.record(audit.Kind.LOGOUT, user=staff_user)
    with time_machine.travel(timezone.localtime() - datetime.timedelta(days=179), tick=False):
        audit.record(audit.Kind.LOGIN, user=staff_user)
    call_command("purge_audit_log", verbosity=0)
    assert list(SecurityEvent.objects.order_by("seq").values_list("seq", "kind")) == [
        (3, "login"),
        (4, "log_purged"),
    ]
    assert SecurityEvent.objects.get(seq=4).detail == "清理 2 条（第 2 条及以前，保留 180 天）"
    anchor = SecurityLogAnchor.objects.get()
    assert (anchor.through_seq, anchor.purged) == (2, 2)
    call_command("verify_audit_log")
    assert "安全审计日志完整。已校验 2 条" in capsys.readouterr().out


@pytest.fixture
def logged_events(staff_user, finance_user, other_staff_user):
    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)):
        audit.record(audit.Kind.LOGIN, user=staff_user)
    with time_machine.travel(datetime.datetime(2025, 3, 2, 9, 0, tzinfo=datetime.UTC)):
        audit.record(audit.Kind.EXPORT, user=finance_user, detail='=HYPERLINK("x")')
        audit.record(audit.Kind.LOGIN, user=other_staff_user)  # another bureau


def test_the_audit_administrator_filters_the_log_of_their_bureau(
    client_for, audit_admin, logged_events
):
    client = client_for(audit_admin)
    page = client.get("/security/audit-log/?kind=login").content.decode()
    table = page[page.index('id="security-log"') :]
    assert "staff" in table and "other-staff" not in table and "=HYPERLINK" not in table
    page = client.get("/security/audit-log/?since=2025-03-02&until=2025-03-02").content.decode()
    table = page[page.index('id="security-log"') :]
    assert "=HYPERLINK" in table and "2025-03-02 17:00:00" in table
    assert ">staff<" not in table


def test_the_log_exports_to_excel_with_its_filters_and_text_stays_text(
    client_for, audit_admin, logged_events
):
    response = client_for(audit_admin).get(
        "/security/audit-log/export/?since=2025-03-02&until=2025-03-02"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "筛选条件：起始日期：2025-03-02；截止日期：2025-03-02"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[3], r[7]) for r in rows] == [("导出", "finance", '=HYPERLINK("x")')]
    assert rows[0][1].isoformat() == "2025-03-02T17:00:00"  # Shanghai time, as shown
    assert sheet.cell(row=3, column=8).data_type == "s"  # never a formula
    # Reading the log is itself recorded.
    assert SecurityEvent.objects.filter(kind="export", username="auditadmin").exists()


def test_the_log_page_runs_a_bounded_number_of_queries(client_for, audit_admin, staff_user):
    from django.test.utils import CaptureQueriesContext

    client = client_for(audit_admin)
    client.get("/security/audit-log/")
    for _n in range(5):
        audit.record(audit.Kind.LOGIN, user=staff_user)
    with CaptureQueriesContext(connection) as five:
        client.get("/security/audit-log/")
    for _n in range(45):
        audit.record(audit.Kind.LOGIN, user=staff_user)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get("/security/audit-log/").status_code == 200
    assert len(fifty) == len(five) <= 12


def test_a_grant_and_its_confirmation_are_in_the_log_of_the_bureau(
    security_admin, make_user, bureau, client_for, audit_admin
):
    second = make_user(Role.SECURITY, bureau, "secadmin-2")
    clerk = make_user(Role.STAFF, bureau, "clerk")
    grant = services.role_grant_request(actor=security_admin, user=clerk, role=Role.AUDITOR)
    services.role_grant_confirm(actor=second, grant=grant)
    page = client_for(audit_admin).get("/security/audit-log/?q=clerk").content.decode()
    assert "申请角色变更" in page and "确认角色变更" in page and "授予 clerk 审计/评估" in page


def test_the_platforms_audit_administrator_reads_every_bureaus_log(
    admin_user, logged_events, client
):
    from accounts.models import User
    from tests.factories import UserFactory

    platform_auditor = UserFactory(username="platform-audit", bureau=None)
    grant = services.role_grant_request(
        actor=admin_user, user=platform_auditor, role=Role.AUDIT_ADMIN
    )
    second = UserFactory(username="admin-2", bureau=None)
    second.groups.add(*admin_user.groups.all())
    services.role_grant_confirm(actor=User.objects.get(pk=second.pk), grant=grant)
    client.force_login(platform_auditor)
    page = client.get("/security/audit-log/?kind=login&until=2025-03-02").content.decode()
    table = page[page.index('id="security-log"') :]
    assert ">staff<" in table and ">other-staff<" in table

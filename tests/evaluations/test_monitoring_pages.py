"""The monitoring round's pages and its table (绩效监控表) as Excel and Word, opened and
read back; LibreOffice converts the Word file; bureau scope and roles on every page."""

import datetime
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from docx import Document

from evaluations import cycle
from evaluations.models import MonitoringRound
from tests.evaluations.test_report import _tool

JULY_31 = datetime.date(2024, 7, 31)


@pytest.fixture
def monitoring(target, paid_march, staff_user, bureau):
    return cycle.round_open(actor=staff_user, bureau=bureau, year=2024)


def test_the_excel_table_has_the_ministry_layout_and_the_figures(
    monitoring, client_for, staff_user
):
    response = client_for(staff_user).get(f"/evaluations/monitoring/{monitoring.pk}/table.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    [sheet] = book.worksheets
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    project = monitoring.projects.get().project
    assert rows[0][0] == "2024年项目支出绩效目标执行监控表"
    assert rows[2][:2] == ["项目名称", project.name]
    assert rows[3][:2] == ["主管部门", "深圳市盐田区民政局"]
    assert rows[4][:7] == [
        "资金情况（万元）",
        "年初预算数",
        "全年预算数",
        "1-7月执行数",
        "执行率",
        "序时进度",
        "全年预计执行率",
    ]
    assert rows[5][1:7] == [101.4, 101.4, 40.56, "40.00%", "58.33%", "70.00%"]
    assert rows[7] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "1-7月执行情况",
        "全年预计完成情况",
        "偏差原因分析",
        "完成目标可能性",
        "备注",
    ]
    assert rows[8][:8] == [
        "产出指标",
        "数量指标",
        "入户走访",
        "≥80人次",
        35,
        60,
        None,
        "完全不可能",
    ]
    assert rows[9][:8] == ["产出指标", "数量指标", "宣传活动", "≥3场", 2, 3.43, None, "确定能"]
    assert rows[11][:6] == [
        "满意度指标",
        "服务对象满意度指标",
        "服务对象满意度",
        "≥90%",
        None,
        None,
    ]
    assert len(rows) == 12


@pytest.fixture
def explained(monitoring, staff_user):
    [view] = cycle.round_view(monitoring)
    line = next(v.line for v in view.lines if v.line.name == "入户走访")
    cycle.line_explain(
        actor=staff_user,
        line=line,
        expected=Decimal("75"),
        cause="上半年社工离职",
        measure="补招社工，增加周末走访",
    )
    return monitoring


def test_the_word_table_reads_the_same(explained, client_for, staff_user):
    response = client_for(staff_user).get(f"/evaluations/monitoring/{explained.pk}/table.docx")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    [table] = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][0] == "项目名称"
    assert cells[3][1:4] == ["101.40", "101.40", "40.56"]
    assert cells[5][:6] == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "1-7月执行情况",
        "全年预计完成情况",
    ]
    visits = cells[6]
    assert visits == [
        "产出指标",
        "数量指标",
        "入户走访",
        "≥80人次",
        "35",
        "75",
        "上半年社工离职",
        "有可能",
        "纠偏措施：补招社工，增加周末走访",
    ]
    assert len(cells) == 10


def test_libreoffice_converts_the_word_table(explained, client_for, staff_user, tmp_path):
    content = (
        client_for(staff_user).get(f"/evaluations/monitoring/{explained.pk}/table.docx").content
    )
    source = tmp_path / "table.docx"
    source.write_bytes(content)
    profile = tmp_path / "profile"
    result = subprocess.run(
        [
            _tool("soffice"),
            "--headless",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "txt:Text",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = tmp_path / "table.txt"
    assert converted.exists(), result.stdout + result.stderr
    text = converted.read_text(encoding="utf-8-sig")
    assert "2024年项目支出绩效目标执行监控表" in text
    assert "补招社工，增加周末走访" in text


def test_the_round_page_shows_the_figures_and_the_lagging_indicator(
    monitoring, client_for, staff_user
):
    page = client_for(staff_user).get(f"/evaluations/monitoring/{monitoring.pk}/").content.decode()
    assert "2024年绩效运行监控（截至7月31日）" in page
    assert "405,600.00" in page
    assert "40.00%" in page
    assert 'class="table-warning lagging"' in page
    assert page.count('class="table-warning lagging"') == 1
    assert "资金执行落后序时进度，超出容忍偏差。" in page


def test_staff_explain_through_the_page_and_the_manager_approves(
    monitoring, client_for, staff_user, manager_user
):
    client = client_for(staff_user)
    [view] = cycle.round_view(monitoring)
    line = next(v.line for v in view.lines if v.line.name == "入户走访")
    assert client.post(f"/evaluations/monitoring/{monitoring.pk}/approve/").status_code == 403
    client.post(
        f"/evaluations/monitoring/lines/{line.pk}/",
        {"expected": "", "cause": "社工离职", "measure": "补招社工"},
    )
    client.post(
        f"/evaluations/monitoring/projects/{view.entry.pk}/",
        {"cause": "第三期资料未交", "measure": "督促服务机构"},
    )
    line.refresh_from_db()
    assert (line.cause, line.measure, line.expected) == ("社工离职", "补招社工", None)
    client = client_for(manager_user)
    response = client.post(f"/evaluations/monitoring/{monitoring.pk}/approve/")
    assert response.status_code == 302
    monitoring.refresh_from_db()
    assert monitoring.status == MonitoringRound.Status.APPROVED
    page = client.get(f"/evaluations/monitoring/{monitoring.pk}/").content.decode()
    assert "数据已冻结" in page
    assert 'id="round-reopen-form"' in page
    staff_page = client_for(staff_user).get(f"/evaluations/monitoring/{monitoring.pk}/")
    assert 'id="round-reopen-form"' not in staff_page.content.decode()
    assert (
        client_for(staff_user)
        .post(f"/evaluations/monitoring/{monitoring.pk}/reopen/", {"reason": "x"})
        .status_code
        == 403
    )
    client = client_for(manager_user)
    client.post(f"/evaluations/monitoring/{monitoring.pk}/reopen/", {"reason": "补录产出"})
    monitoring.refresh_from_db()
    assert monitoring.status == MonitoringRound.Status.DRAFT
    assert 'class="d-flex flex-wrap gap-1 line-form"' not in page


def test_another_bureau_sees_nothing(monitoring, client_for, other_staff_user):
    client = client_for(other_staff_user)
    for url in (
        f"/evaluations/monitoring/{monitoring.pk}/",
        f"/evaluations/monitoring/{monitoring.pk}/table.xlsx",
        f"/evaluations/monitoring/{monitoring.pk}/table.docx",
        f"/evaluations/targets/{monitoring.projects.get().project.targets.get().pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert "2024年绩效运行监控" not in client.get("/evaluations/monitoring/").content.decode()


def test_anonymous_is_sent_to_log_in(monitoring, client):
    response = client.get(f"/evaluations/monitoring/{monitoring.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_round_page_reads_a_bounded_number_of_queries(
    monitoring, client_for, staff_user, django_assert_max_num_queries
):
    client = client_for(staff_user)
    client.get(f"/evaluations/monitoring/{monitoring.pk}/")
    with django_assert_max_num_queries(25):
        client.get(f"/evaluations/monitoring/{monitoring.pk}/")


def test_targets_pages(target, client_for, staff_user, manager_user):
    page = client_for(staff_user).get(f"/evaluations/targets/{target.pk}/").content.decode()
    assert "入户走访" in page
    assert "≥80人次" in page
    assert "登记调整" in page
    listing = client_for(manager_user).get("/evaluations/targets/").content.decode()
    assert target.project.name in listing


def test_bad_input_is_refused_with_a_message(target, client_for, staff_user):
    client = client_for(staff_user)
    response = client.post("/evaluations/monitoring/new/", {"year": "abc"}, follow=True)
    assert "请输入年度（2000-2100）。" in response.content.decode()
    response = client.post("/evaluations/targets/new/", {"project": "x", "year": "2024"})
    assert response.status_code == 404
    assert not MonitoringRound.objects.exists()

"""Approval freezes an evaluation: its snapshot and its report file stay what was approved,
later records show on the page as differences, reopening is a manager's recorded step, and
each approval keeps a downloadable version."""

import datetime
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document

from evaluations import services
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    EvaluationSnapshot,
    Finding,
    OutputIndicator,
)
from payments import services as payment_services
from payments.models import Audit, Installment
from tests.helpers import pay, reopen

pytestmark = pytest.mark.django_db
E = Evaluation.Status


def _download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return response.content


def _text(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _pay_the_late_installment(demo):
    """The 社会事务 2024年8-12月 second installment (12.16万), paid on 31 December 2024."""
    late = Installment.objects.get(status="awaiting_documents")
    staff, finance, manager = demo["staff"], demo["finance"], demo["manager"]
    for document in late.documents.all():
        payment_services.document_receive(
            actor=staff, document=document, received_on=datetime.date(2024, 12, 30)
        )
    for status, actor in (
        ("documents_submitted", staff),
        ("under_review", finance),
        ("approved", manager),
    ):
        payment_services.installment_transition(actor=actor, installment=late, to_status=status)
    pay(late, "121600.00", by=finance, on=datetime.date(2024, 12, 31), voucher="记-补")


def test_the_demo_approval_is_frozen_with_its_2024_date(demo, demo_evaluation, client):
    [snapshot] = demo_evaluation.snapshots.all()
    assert (snapshot.version, snapshot.approved_on) == (1, datetime.date(2024, 12, 31))
    assert snapshot.approved_by == demo["manager"]
    data = snapshot.data
    assert (data["total"], data["grade"]) == ("95.00", "优")
    assert data["figures"]["paid"] == "2177100.00" and data["figures"]["issued"] == "2336000.00"
    assert data["figures"]["execution_rate"] == "93.20"
    assert [r["key"] for r in data["stated"]] == ["execution_rate"]
    assert data["stated"][0]["value"] == "94.31"
    rows = {r["level3"]: r for r in data["rows"]}
    assert len(data["rows"]) == 18
    assert rows["预算执行率"]["computed_value"] == "93.20"
    assert rows["预算执行率"]["score"] == "4.00" and rows["预算执行率"]["override_reason"]
    assert data["narrative"]["background"].startswith("文件依据为")
    approval = demo_evaluation.transitions.get(to_status=E.APPROVED)
    assert approval.at.date() == datetime.date(2024, 12, 31) and approval.actor == demo["manager"]
    # The whole evaluation's history is dated in 2024, as if it had been kept then.
    evaluation_id = demo_evaluation.pk
    days = {
        timezone.localtime(record.history_date).date()
        for records in (
            demo_evaluation.history.all(),
            EvaluationRow.history.filter(evaluation_id=evaluation_id),
            Finding.history.filter(evaluation_id=evaluation_id),
            OutputIndicator.history.filter(year=2024),
        )
        for record in records
    }
    assert days == {datetime.date(2024, 12, d) for d in (20, 27, 31)}
    assert [t.at.date() for t in demo_evaluation.transitions.all()] == [
        datetime.date(2024, 12, 27),
        datetime.date(2024, 12, 31),
    ]
    client.force_login(demo["auditor"])
    content = _download(client, f"/evaluations/{demo_evaluation.pk}/report.docx")
    with snapshot.report.open("rb") as stored:
        assert content == stored.read()
    assert _sha(content) == snapshot.report_sha256
    assert "二〇二四年十二月三十一日" in _text(content)
    page = client.get(f"/evaluations/{demo_evaluation.pk}/").text
    assert "以下记录在审定后发生变化" not in page
    assert snapshot.report_sha256 in page
    api = client.get(f"/api/v1/evaluations/{demo_evaluation.pk}/").json()
    assert api["versions"] == [
        {
            "version": 1,
            "approved_on": "2024-12-31",
            "total": "95.00",
            "grade": "优",
            "report_sha256": snapshot.report_sha256,
            "report": f"/evaluations/{demo_evaluation.pk}/versions/1/report.docx",
        }
    ]


def test_a_later_payment_leaves_the_approved_report_and_a_reapproval_makes_a_new_one(
    demo, demo_evaluation, client
):
    evaluation, staff, manager = demo_evaluation, demo["staff"], demo["manager"]
    client.force_login(staff)
    url = f"/evaluations/{evaluation.pk}/report.docx"
    first = _download(client, url)

    _pay_the_late_installment(demo)

    assert _sha(_download(client, url)) == _sha(first)
    page = client.get(f"/evaluations/{evaluation.pk}/").text
    differences = page[page.index('id="snapshot-differences"') :]
    differences = differences[: differences.index("</div>")]
    assert "以下记录在审定后发生变化" in differences
    assert "全年实际支出 217.71万 → 229.87万" in differences
    assert "预算执行率 93.20% → 98.40%" in differences
    assert "逾期未付 12.16万 → 0.00万" in differences

    reopen(evaluation, manager, reason="审定后补付社会事务项目第二期款")
    draft = _download(client, url)
    assert "全年合计支付229.87万元" in _text(draft)
    services.evaluation_refresh(actor=staff, evaluation=evaluation)
    services.evaluation_transition(actor=staff, evaluation=evaluation, to_status=E.SUBMITTED)
    services.evaluation_transition(actor=manager, evaluation=evaluation, to_status=E.APPROVED)

    second = _download(client, url)
    assert _sha(second) != _sha(first)
    assert "全年合计支付229.87万元" in _text(second)
    assert "全年合计支付217.71万元" in _text(first)
    v1, v2 = (
        _download(client, f"/evaluations/{evaluation.pk}/versions/{n}/report.docx") for n in (1, 2)
    )
    assert (v1, v2) == (first, second)
    second_snapshot = EvaluationSnapshot.objects.get(evaluation=evaluation, version=2)
    assert second_snapshot.data["figures"]["paid"] == "2298700.00"
    page = client.get(f"/evaluations/{evaluation.pk}/").text
    assert "以下记录在审定后发生变化" not in page
    assert page.count('class="snapshot"') == 2
    log = [(t.from_status, t.to_status, t.reason) for t in evaluation.transitions.all()]
    assert log[-3:] == [
        (E.APPROVED, E.DRAFT, "审定后补付社会事务项目第二期款"),
        (E.DRAFT, E.SUBMITTED, ""),
        (E.SUBMITTED, E.APPROVED, ""),
    ]


def test_reopening_takes_a_manager_and_a_reason_and_is_in_the_history(
    demo, demo_evaluation, client
):
    evaluation = demo_evaluation
    for role in ("staff", "finance", "auditor"):
        with pytest.raises(PermissionDenied):
            reopen(evaluation, demo[role])
    with pytest.raises(ValidationError) as excinfo:
        reopen(evaluation, demo["manager"], reason=" ")
    assert excinfo.value.message_dict == {"reason": ["重新打开已审定的评价须说明原因。"]}
    evaluation.refresh_from_db()
    assert evaluation.status == E.APPROVED
    client.force_login(demo["manager"])
    url = f"/evaluations/{evaluation.pk}/"
    page = client.get(url).text
    assert 'name="to_status" value="draft"' in page and "重新打开" in page
    transition = f"/evaluations/{evaluation.pk}/transition/"
    refused = client.post(transition, {"to_status": "draft", "reason": ""})
    assert "重新打开已审定的评价须说明原因。" in refused.text
    evaluation.refresh_from_db()
    assert evaluation.status == E.APPROVED
    client.post(transition, {"to_status": "draft", "reason": "补登记审计扣减"})
    evaluation.refresh_from_db()
    assert evaluation.status == E.DRAFT
    assert evaluation.history.latest().history_change_reason == "补登记审计扣减"
    client.force_login(demo["auditor"])
    page = client.get(f"/evaluations/{evaluation.pk}/").text
    assert "补登记审计扣减" in page
    # The approved version stays downloadable; the report is now a draft.
    snapshot = evaluation.snapshots.get()
    stored = _download(client, f"/evaluations/{evaluation.pk}/versions/1/report.docx")
    assert _sha(stored) == snapshot.report_sha256
    draft = Document(io.BytesIO(_download(client, f"/evaluations/{evaluation.pk}/report.docx")))
    assert draft.sections[0].header.paragraphs[0].text == "草稿"


def test_an_approval_is_dated_within_its_year_or_later_and_never_ahead(
    draft, staff_user, manager_user
):
    for row in draft.rows.filter(score__isnull=True):
        services.row_score(actor=staff_user, row=row, score=row.weight, override_reason="佐证")
    services.evaluation_transition(actor=staff_user, evaluation=draft, to_status=E.SUBMITTED)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for day in (datetime.date(2023, 12, 31), tomorrow):
        with pytest.raises(ValidationError) as excinfo:
            services.evaluation_transition(
                actor=manager_user, evaluation=draft, to_status=E.APPROVED, on=day
            )
        assert list(excinfo.value.message_dict) == ["on"]
    assert not draft.snapshots.exists()
    services.evaluation_transition(
        actor=manager_user, evaluation=draft, to_status=E.APPROVED, on=datetime.date(2024, 12, 20)
    )
    snapshot = draft.snapshots.get()
    assert snapshot.approved_on == datetime.date(2024, 12, 20)
    assert draft.transitions.get(to_status=E.APPROVED).at.date() == datetime.date(2024, 12, 20)
    with snapshot.report.open("rb") as stored:
        assert "二〇二四年十二月二十日" in _text(stored.read())


def test_a_locked_evaluation_cannot_be_reopened(demo, demo_evaluation):
    manager = demo["manager"]
    services.evaluation_transition(actor=manager, evaluation=demo_evaluation, to_status=E.LOCKED)
    with pytest.raises(ValidationError):
        reopen(demo_evaluation, manager)


def test_the_page_names_an_assessment_changed_after_approval(demo, demo_evaluation, client):
    client.force_login(demo["staff"])
    url = f"/evaluations/{demo_evaluation.pk}/report.docx"
    before = _sha(_download(client, url))
    # The payments app keeps assessments and cannot refuse a change after approval.
    Audit.objects.filter(kind="assessment").update(score=Decimal("78.5"), grade="合格")
    assert _sha(_download(client, url)) == before
    page = client.get(f"/evaluations/{demo_evaluation.pk}/").text
    assert (
        "深圳市盐田区汇研社会工作标准事务所对社会事务及福利保障社工服务项目的质量评估 "
        "得分 88（良好） → 得分 78.5（合格）"
    ) in page


def test_another_bureau_cannot_download_an_approved_version(
    demo, demo_evaluation, client, make_user, other_bureau
):
    client.force_login(make_user("auditor", other_bureau))
    url = f"/evaluations/{demo_evaluation.pk}/versions/1/report.docx"
    assert client.get(url).status_code == 404
    client.force_login(demo["auditor"])
    assert client.get(url).status_code == 200
    assert client.get(f"/evaluations/{demo_evaluation.pk}/versions/2/report.docx").status_code == (
        404
    )


def test_the_approved_page_compares_in_a_bounded_number_of_queries(demo, demo_evaluation, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluations.models import OutputIndicator

    client.force_login(demo["auditor"])
    url = f"/evaluations/{demo_evaluation.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    # Outputs registered after the approval: each one is a difference to list.
    project = demo_evaluation.projects.first()
    for n in range(12):
        OutputIndicator.objects.create(
            project=project, year=2024, name=f"补登记{n}", unit="次", target=1, actual=1
        )
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).text
    assert page.count("产出“补登记") == 12
    assert len(after) == len(before)


def test_an_approved_report_lost_from_the_storage_is_not_found_not_an_error(
    demo, demo_evaluation, client
):
    from evaluations.models import EvaluationSnapshot

    snapshot = EvaluationSnapshot.objects.get(evaluation=demo_evaluation, version=1)
    EvaluationSnapshot.objects.filter(pk=snapshot.pk).update(report="evaluations/missing.docx")
    client.force_login(demo["auditor"])
    url = f"/evaluations/{demo_evaluation.pk}/versions/1/report.docx"
    assert client.get(url).status_code == 404

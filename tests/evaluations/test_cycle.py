"""The performance cycle: targets declared and frozen, a monitoring round at 31 July with
its figures, its warnings (once per round), and the result rules applied on approval."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import cycle
from evaluations import services as evaluation_services
from evaluations.models import MonitoringRound, OutputUpdate, ResultEffect, ResultRule
from payments import services as payment_services
from payments.models import Deduction, Installment, Notice, Notification
from tests.helpers import at, create_evaluation, reopen

JULY_31 = datetime.date(2024, 7, 31)


@pytest.mark.parametrize(
    ("cut_off", "reached", "cumulative", "expected"),
    [
        (JULY_31, Decimal("35"), True, Decimal("60.00")),
        (datetime.date(2024, 6, 30), Decimal("40"), True, Decimal("80.00")),
        (JULY_31, Decimal("92"), False, Decimal("92")),
        (JULY_31, None, True, None),
    ],
)
def test_straight_line(cut_off, reached, cumulative, expected):
    assert cycle.straight_line(reached, cut_off, cumulative=cumulative) == expected


@pytest.mark.parametrize(
    ("comparator", "target", "expected", "meets"),
    [
        ("gte", Decimal("80"), Decimal("60"), False),
        ("gte", Decimal("80"), Decimal("80"), True),
        ("lte", Decimal("5"), Decimal("6"), False),
        ("eq", Decimal("3"), Decimal("3"), True),
        ("about", Decimal("1800"), Decimal("1750"), True),
        ("about", Decimal("1800"), Decimal("1500"), False),
        ("gte", Decimal("80"), None, None),
    ],
)
def test_will_meet(comparator, target, expected, meets):
    assert cycle.will_meet(comparator, target, expected) is meets


def test_targets_are_declared_from_the_outputs_and_the_template(target, outputs):
    indicators = cycle.indicators_of(target)
    assert [(i.name, i.get_comparator_display(), i.value, i.unit) for i in indicators] == [
        ("入户走访", "≥", Decimal("80.00"), "人次"),
        ("宣传活动", "≥", Decimal("3.00"), "场"),
        ("服务内容的满意度", "≥", Decimal("85.00"), "%"),
        ("服务对象满意度", "≥", Decimal("90.00"), "%"),
    ]
    assert indicators[0].output == outputs[0]


def test_an_approved_target_changes_only_by_a_dated_adjustment(target, staff_user):
    visits = target.indicators.get(name="入户走访")
    with pytest.raises(ValidationError):
        cycle.target_indicator_set(
            actor=staff_user, indicator=visits, value=Decimal("60"), comparator="gte", unit="人次"
        )
    with pytest.raises(ValidationError):
        cycle.target_adjust(
            actor=staff_user,
            indicator=visits,
            new_value=Decimal("70"),
            dated_on=datetime.date(2024, 9, 1),
            reason=" ",
        )
    cycle.target_adjust(
        actor=staff_user,
        indicator=visits,
        new_value=Decimal("70"),
        dated_on=datetime.date(2024, 9, 1),
        reason="服务对象减少",
    )
    visits.refresh_from_db()
    assert visits.value == Decimal("80.00")
    assert cycle.value_as_of(visits, JULY_31) == Decimal("80.00")
    assert cycle.value_as_of(visits, datetime.date(2024, 9, 1)) == Decimal("70.00")


def test_a_round_at_31_july_shows_targets_reached_projection_and_money(
    target, paid_march, staff_user, bureau
):
    monitoring = cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
    assert monitoring.cut_off == JULY_31
    [view] = cycle.round_view(monitoring)
    lines = {v.line.name: v for v in view.lines}
    visits = lines["入户走访"]
    assert (visits.line.target, visits.line.reached, visits.line.projected) == (
        Decimal("80.00"),
        Decimal("35.00"),
        Decimal("60.00"),
    )
    assert visits.meets is False
    assert visits.deviation == Decimal("-20.00")
    events = lines["宣传活动"]
    assert (events.line.reached, events.line.projected, events.meets) == (
        Decimal("2.00"),
        Decimal("3.43"),
        True,
    )
    assert lines["服务对象满意度"].line.reached is None
    # Money as of the cut-off: 405,600.00 paid of 1,014,000.00 issued; 7/12 of the year.
    assert view.entry.issued == Decimal("1014000.00")
    assert view.entry.paid == Decimal("405600.00")
    assert view.rate == Decimal("40.00")
    assert monitoring.time_progress == Decimal("58.33")
    assert view.behind is True
    # The third installment (304,200.00, due 31 July) is still to pay in the year.
    assert view.projected_rate == Decimal("70.00")


def test_a_lagging_round_warns_staff_and_manager_once(
    target, paid_march, staff_user, manager_user, bureau, client_for
):
    # A Wednesday morning: in working hours, so delivered at once.
    with time_machine.travel(at(datetime.date(2026, 12, 2), 10), tick=False):
        monitoring = cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
    notices = Notice.objects.filter(rule=Notice.Rule.MONITORING)
    assert notices.count() == 1
    [notice] = notices
    assert "入户走访预计全年60人次，未达目标80人次" in notice.body
    assert "资金执行率40.00%，落后序时进度58.33%" in notice.body
    assert set(notice.data["recipients"]) == {staff_user.pk, manager_user.pk}
    cycle.round_refresh(actor=staff_user, monitoring=monitoring)
    assert cycle.round_warn(monitoring) == 0
    assert Notice.objects.filter(rule=Notice.Rule.MONITORING).count() == 1
    assert notice.delivered_at is not None
    for person in (staff_user, manager_user):
        page = client_for(person).get("/payments/notifications/").content.decode()
        assert f"绩效运行监控预警：{target.project.name}" in page


def test_the_reminder_scan_leaves_monitoring_warnings_open(target, paid_march, staff_user, bureau):
    from tests.helpers import run_reminders

    cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
    run_reminders("--as-of", "2024-08-05", "--force")
    assert Notice.objects.get(rule=Notice.Rule.MONITORING).resolved_at is None


def test_a_round_is_approved_once_lags_are_explained_then_frozen(
    target, paid_march, staff_user, manager_user, bureau
):
    monitoring = cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
    with pytest.raises(ValidationError) as refused:
        cycle.round_approve(actor=manager_user, monitoring=monitoring)
    assert "入户走访" in str(refused.value)
    [view] = cycle.round_view(monitoring)
    line = next(v.line for v in view.lines if v.line.name == "入户走访")
    with pytest.raises(PermissionDenied):
        cycle.round_approve(actor=staff_user, monitoring=monitoring)
    cycle.line_explain(
        actor=staff_user, line=line, expected=None, cause="上半年疫情", measure="增加周末走访"
    )
    cycle.entry_explain(
        actor=staff_user, entry=view.entry, cause="第三期资料未交", measure="督促服务机构"
    )
    cycle.round_approve(actor=manager_user, monitoring=monitoring)
    monitoring.refresh_from_db()
    assert monitoring.status == MonitoringRound.Status.APPROVED
    warning = Notice.objects.get(rule=Notice.Rule.MONITORING)
    assert (warning.resolved_at is not None, warning.resolution) == (True, "监控已审定")
    OutputUpdate.objects.create(
        indicator=line.indicator.output, date=datetime.date(2024, 7, 30), amount=Decimal("30")
    )
    with pytest.raises(ValidationError):
        cycle.round_refresh(actor=staff_user, monitoring=monitoring)
    with pytest.raises(ValidationError):
        cycle.line_explain(actor=staff_user, line=line, expected=None, cause="x", measure="y")
    line.refresh_from_db()
    assert line.reached == Decimal("35.00")
    # Reopened by the manager with a reason, it recomputes from the records again.
    with pytest.raises(ValidationError):
        cycle.round_reopen(actor=manager_user, monitoring=monitoring, reason=" ")
    cycle.round_reopen(actor=manager_user, monitoring=monitoring, reason="补录7月产出")
    cycle.round_refresh(actor=staff_user, monitoring=monitoring)
    line.refresh_from_db()
    assert (line.reached, line.projected) == (Decimal("65.00"), Decimal("111.43"))


# --- result application ------------------------------------------------------------------


@pytest.fixture
def middling(contract, schedule, staff_user, manager_user, bureau):
    """A submitted evaluation of the contract's project scored 70 (中)."""
    evaluation = create_evaluation(staff_user, bureau, contract.award.project)
    remaining = Decimal("70")
    for row in evaluation.rows.order_by("order"):
        score = min(row.weight, remaining)
        remaining -= score
        row.score = score
        row.score_overridden = row.computed_score is not None and row.computed_score != score
        row.override_reason = "测试" if row.score_overridden else ""
        row.save()
    evaluation_services.evaluation_transition(
        actor=staff_user, evaluation=evaluation, to_status="submitted"
    )
    return evaluation


def test_a_middling_grade_deducts_five_percent_of_the_last_open_installment(
    middling, schedule, manager_user, finance_user, bureau
):
    cycle.rule_save(actor=manager_user, grade="中", effect="deduct", percent=Decimal("5"))
    third = schedule[2]
    assert payment_services.net_payable(third) == Decimal("304200.00")
    evaluation_services.evaluation_transition(
        actor=manager_user, evaluation=middling, to_status="approved"
    )
    [effect] = ResultEffect.objects.filter(evaluation=middling)
    deduction = effect.deduction
    assert effect.installment == third
    assert effect.rule_text == "中 → 扣减末期款 5.00%"
    assert deduction.amount == Decimal("15210.00")
    assert deduction.audit is None
    assert deduction.basis.startswith("绩效评价《2024 年绩效评价》（中，70分）")
    assert deduction.basis_link == middling.get_absolute_url()
    assert payment_services.net_payable(third) == Decimal("288990.00")
    with pytest.raises(ValidationError):  # finance cannot undo it: only reopening does
        payment_services.deduction_withdraw(
            actor=finance_user,
            deduction=deduction,
            withdrawn_on=datetime.date(2026, 1, 5),
            reason="x",
        )

    reopen(middling, manager_user)
    deduction.refresh_from_db()
    effect.refresh_from_db()
    assert deduction.withdrawn_on is not None
    assert effect.withdrawn_on is not None
    assert payment_services.net_payable(third) == Decimal("304200.00")
    assert Deduction.objects.filter(withdrawn_on__isnull=True).count() == 0


def test_a_poor_grade_holds_the_last_installment_until_the_manager_releases_it(
    middling, schedule, manager_user, staff_user, client_for
):
    cycle.rule_save(actor=manager_user, grade="中", effect="hold")
    evaluation_services.evaluation_transition(
        actor=manager_user, evaluation=middling, to_status="approved"
    )
    third = Installment.objects.get(pk=schedule[2].pk)
    assert third.status == Installment.Status.ON_HOLD
    [effect] = ResultEffect.objects.filter(evaluation=middling)
    assert cycle.providers_for_review(user=manager_user) == {effect.provider_id}
    award_form = client_for(staff_user).get(f"/contracts/awards/new/?provider={effect.provider_id}")
    assert "下次中标前须复核" in award_form.content.decode()
    with pytest.raises(PermissionDenied):
        cycle.effect_release(actor=staff_user, effect=effect)
    cycle.effect_release(actor=manager_user, effect=effect)
    third.refresh_from_db()
    assert third.status == Installment.Status.PLANNED


def test_rules_are_the_managers(manager_user, staff_user):
    with pytest.raises(PermissionDenied):
        cycle.rule_save(actor=staff_user, grade="中", effect="deduct", percent=Decimal("5"))
    rule = cycle.rule_save(actor=manager_user, grade="差", effect="hold")
    assert str(rule) == "差 → 暂缓末期款并标记服务机构"
    assert ResultRule.objects.count() == 1
    assert Notification.objects.count() == 0


def test_the_manager_keeps_the_rules_on_their_page(client_for, manager_user, staff_user):
    staff = client_for(staff_user)
    assert staff.post("/evaluations/results/rules/", {"grade": "中"}).status_code == 403
    manager = client_for(manager_user)
    manager.post("/evaluations/results/rules/", {"grade": "中", "effect": "deduct", "percent": "5"})
    rule = ResultRule.objects.get()
    assert (rule.grade, rule.effect, rule.percent) == ("中", "deduct", Decimal("5.00"))
    manager.post(
        "/evaluations/results/rules/",
        {"rule": rule.pk, "grade": "中", "effect": "deduct", "percent": "8"},
    )
    rule.refresh_from_db()
    assert rule.percent == Decimal("8.00")
    page = client_for(staff_user).get("/evaluations/results/").content.decode()
    assert "中</td><td>扣减末期款</td><td>8.00</td>" in page


def test_the_evaluation_page_and_the_installment_name_the_effect(
    middling, schedule, manager_user, client_for
):
    cycle.rule_save(actor=manager_user, grade="中", effect="deduct", percent=Decimal("5"))
    evaluation_services.evaluation_transition(
        actor=manager_user, evaluation=middling, to_status="approved"
    )
    client = client_for(manager_user)
    page = client.get(f"/evaluations/{middling.pk}/").content.decode()
    assert 'id="result-effects"' in page
    assert "中 → 扣减末期款 5.00%" in page
    assert "15,210.00" in page
    installment = client.get(f"/payments/installments/{schedule[2].pk}/").content.decode()
    assert (
        f'<a href="/evaluations/{middling.pk}/">绩效评价《2024 年绩效评价》（中，70分）</a>'
        in installment
    )


def test_the_demo_opens_a_round_at_31_july(demo):
    """The demo's 2024 targets are approved; its outputs carry only undated year-end
    actuals, so nothing is known reached at 31 July, while its money is."""
    from accounts.models import Bureau

    staff = demo["staff"]
    monitoring = cycle.round_open(actor=staff, bureau=Bureau.objects.get(), year=2024)
    views = cycle.round_view(monitoring)
    assert len(views) == 2
    assert {v.line.reached for view in views for v in view.lines} == {None}
    assert sum((view.entry.issued for view in views), Decimal(0)) == Decimal("2336000.00")


def test_a_provider_report_verified_by_staff_counts_in_the_round(
    target, outputs, contract, staff_user, bureau, settings, tmp_path
):
    """What the provider reports through its portal and staff verify is what a later
    monitoring round counts as reached (before verification it does not count)."""
    from django.contrib.auth.models import Group

    from contracts.models import ProviderMembership
    from evaluations import submissions
    from tests.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path
    contract.report_frequency = "monthly"
    contract.save()
    visits = outputs[0]
    ngo = UserFactory(username="ngo", bureau=None)
    ngo.groups.add(Group.objects.get(name="provider"))
    ProviderMembership.objects.create(user=ngo, provider=contract.award.provider)
    report = submissions.service_report_submit(
        actor=ngo,
        contract=contract,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 7, 31),
        summary="七月入户走访",
        values={visits.pk: Decimal("12")},
        files=[],
    )

    def reached():
        monitoring = cycle.round_open(actor=staff_user, bureau=bureau, year=2024)
        [view] = cycle.round_view(monitoring)
        line = next(v for v in view.lines if v.line.name == "入户走访")
        monitoring.delete()
        return line.line.reached, line.line.projected, line.meets

    assert reached() == (Decimal("35.00"), Decimal("60.00"), False)
    submissions.service_report_verify(actor=staff_user, report=report)
    # 20 + 15 + 12 by 31 July; 47 / (7/12) = 80.57 projected: the target of 80 is met.
    assert reached() == (Decimal("47.00"), Decimal("80.57"), True)

"""Demo records of the payments app: the 2024 money of the seed report.

As stated by the report (万元): budgets 132.2 and 101.4 (issued in full); the 2023-2024
contracts paid 30% / 40% / 30%, the second installments (93.44 together) in March 2024,
the third (66.35 together) in December 2024 after the August 2024 audit by 深圳诚安会计
师事务所 and the assessment by 深圳市盐田区汇研社会工作标准事务所, less deductions of
2.2 (助残) and 1.52 (社会事务); the 2024年8-12月 first installments paid in July-August
(48.5 together); the 助残 second installment paid in November (9.42); the 社会事务
second installment unpaid at the year's end, its documents late.

Illustrative (the report gives only totals or nothing):
- the split of 48.5万 into 27.5 (社会事务, July) and 21.0 (助残, August), and with it the
  second installments of the bridging contracts (12.16 and 9.42);
- the planned amounts of the 助残 2023-2024 installments. 30% of 101.4万 is 30.42万, but
  the report paid 66.35万 where 30% of 233.6万 less 3.72万 gives 66.36万: it rounds. The
  demo keeps every amount the report states as paid or deducted and lets the planned
  amounts absorb the 100 yuan: 30.43 / 40.56 / 30.41万 (still 101.4万 in all);
- every day of the month, voucher numbers, report numbers and the dates of the
  installments' history, which is dated back to the report's timeline.

Recomputed from these records, 2024 paid 217.71万 of 233.6万 issued: 93.20%. The
report states 94.31%, which its own figures do not support; the evaluation flags it.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from contracts.demo import DISABILITY, SOCIAL_AFFAIRS
from core.money import from_wan
from payments import services
from payments.models import Audit, Budget, Installment, InstallmentTransition

S = Installment.Status
D = datetime.date
LATE_REASON = "服务机构提交资料不及时导致财务封账"

BUDGETS_2024 = {SOCIAL_AFFAIRS: "132.2", DISABILITY: "101.4"}

# contract number → installments: (percent, planned 万元, due, documents due, payment or None)
# where a payment is (paid_on, amount 万元, voucher).
# A table reads best one row a line.
# fmt: off
SCHEDULES = {
    "DEMO-YTMZ-2023-01": [
        (30, "39.66", D(2023, 9, 30), D(2023, 9, 15), (D(2023, 9, 20), "39.66", "DEMO-记-2023-09-031")),
        (40, "52.88", D(2024, 3, 31), D(2024, 3, 15), (D(2024, 3, 20), "52.88", "DEMO-记-2024-03-018")),
        (30, "39.66", D(2024, 12, 20), D(2024, 11, 30), (D(2024, 12, 18), "38.14", "DEMO-记-2024-12-027")),
    ],
    "DEMO-YTMZ-2023-02": [
        (30, "30.43", D(2023, 9, 30), D(2023, 9, 15), (D(2023, 9, 25), "30.43", "DEMO-记-2023-09-036")),
        (40, "40.56", D(2024, 3, 31), D(2024, 3, 15), (D(2024, 3, 20), "40.56", "DEMO-记-2024-03-019")),
        (30, "30.41", D(2024, 12, 20), D(2024, 11, 30), (D(2024, 12, 18), "28.21", "DEMO-记-2024-12-028")),
    ],
    "DEMO-YTMZ-2024-01": [
        (None, "27.50", D(2024, 7, 31), D(2024, 7, 15), (D(2024, 7, 25), "27.50", "DEMO-记-2024-07-022")),
        (None, "12.16", D(2024, 12, 10), D(2024, 11, 30), None),  # late: documents late
    ],
    "DEMO-YTMZ-2024-02": [
        (None, "21.00", D(2024, 8, 31), D(2024, 8, 15), (D(2024, 8, 20), "21.00", "DEMO-记-2024-08-015")),
        (None, "9.42", D(2024, 11, 30), D(2024, 11, 15), (D(2024, 11, 25), "9.42", "DEMO-记-2024-11-024")),
    ],
}
# fmt: on

AUDIT = {
    "kind": Audit.Kind.AUDIT,
    "firm": "深圳诚安会计师事务所",
    "year": 2024,
    "started_on": D(2024, 8, 5),
    "closed_on": D(2024, 10, 31),
    "report_number": "DEMO-诚安审字〔2024〕第018号",
    "findings": "经费使用基本符合合同约定；部分支出凭证不规范，建议在支付第三期款项时相应扣减。",
}
ASSESSMENT = {
    "kind": Audit.Kind.ASSESSMENT,
    "firm": "深圳市盐田区汇研社会工作标准事务所",
    "year": 2024,
    "started_on": D(2024, 8, 10),
    "closed_on": D(2024, 11, 10),
    "report_number": "DEMO-汇研评字〔2024〕第006号",
    "findings": "2024 年盐田区社会事务及福利保障社工服务质量评估，结合服务对象和购买单位的线上问卷调查。",
    "score": Decimal("88"),
    "grade": "良好",
    "satisfaction": "服务对象和购买单位满意度评价均为优秀",
}
# contract number of the third installment → deduction (万元) and its reason
DEDUCTIONS = {
    "DEMO-YTMZ-2023-01": ("1.52", "依据专项审计报告，扣减不符合合同约定的支出。"),
    "DEMO-YTMZ-2023-02": ("2.2", "依据专项审计报告，扣减不符合合同约定的支出。"),
}


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(context: dict) -> dict:
    bureau = context["bureau"]
    staff, finance, manager = (context["users"][r] for r in ("staff", "finance", "manager"))
    projects, contracts = context["projects"], context["contracts"]

    for name, amount in BUDGETS_2024.items():
        if not Budget.objects.filter(project=projects[name], year=2024).exists():
            services.budget_create(
                actor=finance,
                project=projects[name],
                year=2024,
                initial_amount=from_wan(amount),
                issued_amount=from_wan(amount),
                note="2024 年度项目年初预算与实际下达预算均为该金额。",
            )

    audit = Audit.objects.filter(bureau=bureau, report_number=AUDIT["report_number"]).first()
    audit = audit or services.audit_create(actor=staff, bureau=bureau, **AUDIT)
    assessment = Audit.objects.filter(
        bureau=bureau, report_number=ASSESSMENT["report_number"]
    ).first()
    assessment = assessment or services.audit_create(
        actor=staff, bureau=bureau, project=projects[SOCIAL_AFFAIRS], **ASSESSMENT
    )

    for number, rows in SCHEDULES.items():
        contract = contracts[number]
        if contract.installments.exists():
            continue
        installments = services.schedule_save(
            actor=finance,
            contract=contract,
            rows=[
                services.ScheduleRow(
                    pk=None,
                    number=i,
                    percent=Decimal(pct) if pct is not None else None,
                    planned_amount=from_wan(planned),
                    due_date=due,
                    documents_due=docs_due,
                )
                for i, (pct, planned, due, docs_due, _payment) in enumerate(rows, start=1)
            ],
        )
        for installment, (_pct, _planned, _due, docs_due, payment) in zip(
            installments, rows, strict=True
        ):
            _play(installment, payment, docs_due, staff, finance, manager, audit, assessment)
    return {**context, "audit": audit, "assessment": assessment}


def _play(installment, payment, docs_due, staff, finance, manager, audit, assessment):
    """Take one installment through its 2024 life, as the services would have."""
    steps = []  # (datetime, transition) to date the history afterwards

    def move(to_status, actor, day, reason=""):
        services.installment_transition(
            actor=actor, installment=installment, to_status=to_status, reason=reason
        )
        steps.append(day)

    request_day = docs_due - datetime.timedelta(days=20)
    move(S.AWAITING_DOCUMENTS, staff, request_day)
    if payment is None:
        # The 社会事务 2024年8-12月 second installment: its documents never came in 2024.
        services.installment_set_details(
            actor=staff,
            installment=installment,
            delay_reason=LATE_REASON,
            documents_due=docs_due,
            gates=[],
        )
        _date_history(installment, steps)
        return

    paid_on, amount, voucher = payment
    number = installment.contract.number
    is_third = installment.number == 3
    received = min(docs_due, paid_on - datetime.timedelta(days=10))
    for document in installment.documents.all():
        services.document_receive(actor=staff, document=document, received_on=received)
    move(S.DOCUMENTS_SUBMITTED, staff, received)
    move(S.UNDER_REVIEW, finance, received + datetime.timedelta(days=1))
    if is_third:
        gates = [audit, assessment] if number == "DEMO-YTMZ-2023-01" else [audit]
        services.installment_set_details(
            actor=finance,
            installment=installment,
            delay_reason="",
            documents_due=docs_due,
            gates=gates,
        )
        deduction, reason = DEDUCTIONS[number]
        services.deduction_record(
            actor=finance,
            installment=installment,
            audit=audit,
            amount=from_wan(deduction),
            decided_on=D(2024, 11, 15),
            reason=reason,
        )
    approve_day = paid_on - datetime.timedelta(days=3)
    move(S.APPROVED, manager, approve_day)
    services.payment_post(
        actor=finance,
        installment=installment,
        paid_on=paid_on,
        amount=from_wan(amount),
        voucher_number=voucher,
    )
    steps.append(paid_on)
    Installment.objects.filter(pk=installment.pk).update(approved_on=approve_day)
    _date_history(installment, steps)


def _date_history(installment, days):
    """Date the installment's status history back to the report's timeline."""
    transitions = list(InstallmentTransition.objects.filter(installment=installment).order_by("pk"))
    for transition, day in zip(transitions, days, strict=True):
        InstallmentTransition.objects.filter(pk=transition.pk).update(at=_at(day))
    if days:
        Installment.objects.filter(pk=installment.pk).update(status_changed_at=_at(days[-1]))

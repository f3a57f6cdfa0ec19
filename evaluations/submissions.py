"""Writes of what a provider hands in through its portal, and of staff's answers: service
reports with output values (verified values become output updates the evaluation counts)
and answers to the rectifications addressed to the provider (staff close or reopen).

A sub-domain of evaluations.services, kept apart as the style's rooms grow.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.records import record_save as _save
from accounts.records import require as _require
from contracts.models import Contract
from contracts.selectors import portal_provider_ids
from evaluations.models import (
    EvidenceFile,
    OutputIndicator,
    Rectification,
    RectificationResponse,
    ServiceReport,
    ServiceReportValue,
)
from evaluations.services import output_record
from payments import uploads


def report_period(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The reporting period (a calendar month or quarter, by the contract's frequency)
    that holds ``day``: its first and last day."""
    first_month = (
        day.month
        if frequency == Contract.ReportFrequency.MONTHLY
        else ((day.month - 1) // 3 * 3 + 1)
    )
    months = 1 if frequency == Contract.ReportFrequency.MONTHLY else 3
    start = datetime.date(day.year, first_month, 1)
    following = datetime.date(
        day.year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1
    )
    return start, following - datetime.timedelta(days=1)


def last_complete_period(
    frequency: str, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The last month or quarter that has ended by ``today`` (the form's default)."""
    start, _end = report_period(frequency, today)
    return report_period(frequency, start - datetime.timedelta(days=1))


def _store_evidence(files, *, actor: User, bureau_id: int, **owner) -> list[str]:
    """Store each evidence file (checked like payment documents); the stored names."""
    stored = []
    try:
        for upload in files:
            kind, name, _digest = uploads.store(upload, folder=f"evidence/{bureau_id}")
            stored.append(name)
            record = EvidenceFile(
                original_name=uploads.display_name(upload.name),
                content_type=kind.content_type,
                size=upload.size,
                uploaded_by=actor,
                **owner,
            )
            record.file.name = name
            record.full_clean()
            record.save()
    except BaseException:
        uploads.discard(*stored)
        raise
    return stored


def report_indicators(contract: Contract) -> list[OutputIndicator]:
    """The output indicators a service report of the contract reports on: its project's,
    of the years its service period covers."""
    years = range(contract.start.year, contract.end.year + 1)
    return list(
        OutputIndicator.objects.filter(
            project_id=contract.award.project_id, year__in=years
        ).order_by("year", "order", "pk")
    )


@transaction.atomic
def service_report_submit(
    *,
    actor: User,
    contract: Contract,
    period_start: datetime.date,
    period_end: datetime.date,
    summary: str,
    values: dict[int, Decimal],
    files: list,
) -> ServiceReport:
    """The provider hands in a service report: the period, what was done, the output
    values of the period (by indicator id) and evidence files."""
    if contract.award.provider_id not in portal_provider_ids(user=actor):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if period_end < period_start:
        raise ValidationError({"period_end": _("报告期止不能早于报告期起。")})
    if period_end > timezone.localdate():
        raise ValidationError({"period_end": _("报告期止不能晚于今天。")})
    if report_period(contract.report_frequency, period_start) != (period_start, period_end):
        start, end = report_period(contract.report_frequency, period_start)
        raise ValidationError(
            {
                "period_end": _(
                    "本合同约定%(frequency)s提交服务报告，报告期应为一个完整的%(unit)s，"
                    "例如 %(start)s 至 %(end)s。"
                )
                % {
                    "frequency": contract.get_report_frequency_display(),
                    "unit": _("自然月")
                    if contract.report_frequency == Contract.ReportFrequency.MONTHLY
                    else _("季度"),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                }
            }
        )
    indicators = {i.pk: i for i in report_indicators(contract)}
    given = {pk: amount for pk, amount in values.items() if amount is not None}
    if not given:
        raise ValidationError(_("请至少填写一项产出指标的本期完成值。"))
    for pk in given:
        indicator = indicators.get(pk)
        if indicator is None:
            raise ValidationError(_("只能填写本合同服务项目的产出指标。"))
        if not period_start.year <= indicator.year <= period_end.year:
            raise ValidationError(
                _("%(name)s是 %(year)s 年度的指标，不在报告期内。")
                % {"name": indicator.name, "year": indicator.year}
            )
    report = _save(
        ServiceReport(
            contract=contract,
            period_start=period_start,
            period_end=period_end,
            summary=summary.strip(),
            submitted_by=actor,
        ),
        actor=actor,
        reason=_("服务机构提交服务报告"),
    )
    for pk, amount in given.items():
        ServiceReportValue.objects.create(report=report, indicator_id=pk, amount=amount)
    _store_evidence(files, actor=actor, bureau_id=contract.bureau_id, report=report)
    return report


def _locked_report(report: ServiceReport) -> ServiceReport:
    report = ServiceReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if report.status != ServiceReport.Status.SUBMITTED:
        raise ValidationError(_("该服务报告已处理。"))
    return report


@transaction.atomic
def service_report_verify(*, actor: User, report: ServiceReport) -> ServiceReport:
    """Staff verify a service report: each value becomes a dated output update (on the
    period's last day) the evaluation counts; who verified and when are kept."""
    _require(actor, "evaluations.change_outputindicator")
    report = _locked_report(report)
    label = f"{report.period_start:%Y-%m-%d}—{report.period_end:%Y-%m-%d}"
    for value in report.values.select_related("indicator"):
        day = min(report.period_end, datetime.date(value.indicator.year, 12, 31))
        update = output_record(
            actor=actor,
            indicator=value.indicator,
            date=day,
            amount=value.amount,
            note=_("服务报告 %(period)s，%(name)s 核实") % {"period": label, "name": actor},
        )
        value.update = update
        value.save(update_fields=["update"])
    report.status = ServiceReport.Status.VERIFIED
    report.decided_by, report.decided_at = actor, timezone.now()
    return _save(report, actor=actor, reason=_("核实服务报告"))


@transaction.atomic
def service_report_return(*, actor: User, report: ServiceReport, reason: str) -> ServiceReport:
    """Staff return a service report with a reason the provider sees; it hands in a new one."""
    _require(actor, "evaluations.change_outputindicator")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    report = _locked_report(report)
    report.status = ServiceReport.Status.RETURNED
    report.return_reason = reason
    report.decided_by, report.decided_at = actor, timezone.now()
    return _save(report, actor=actor, reason=_("退回服务报告：%(reason)s") % {"reason": reason})


# --- rectification from the provider ---------------------------------------------------------


@transaction.atomic
def rectification_respond(
    *, actor: User, rectification: Rectification, text: str, files: list
) -> RectificationResponse:
    """The provider answers a rectification addressed to it: what it did, with evidence."""
    rectification = Rectification.objects.select_for_update(of=("self",)).get(pk=rectification.pk)
    if rectification.provider_id not in portal_provider_ids(user=actor):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if rectification.status == Rectification.Status.DONE:
        raise ValidationError(_("该整改已确认完成。"))
    if rectification.responses.filter(decision=RectificationResponse.Decision.PENDING).exists():
        raise ValidationError(_("上一次答复尚待单位确认。"))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请说明整改情况。")})
    response = _save(
        RectificationResponse(rectification=rectification, text=text, submitted_by=actor),
        actor=actor,
        reason=_("服务机构答复整改"),
    )
    bureau_id = rectification.finding.evaluation.bureau_id
    _store_evidence(files, actor=actor, bureau_id=bureau_id, response=response)
    if rectification.status == Rectification.Status.OPEN:
        rectification.status = Rectification.Status.IN_PROGRESS
        _save(rectification, actor=actor, reason=_("服务机构答复整改"))
    return response


def _locked_response(response: RectificationResponse) -> RectificationResponse:
    response = RectificationResponse.objects.select_for_update(of=("self",)).get(pk=response.pk)
    if response.decision != RectificationResponse.Decision.PENDING:
        raise ValidationError(_("该答复已处理。"))
    return response


@transaction.atomic
def rectification_close(
    *, actor: User, response: RectificationResponse, note: str = ""
) -> RectificationResponse:
    """Staff accept the provider's answer: the rectification is done, on today, with the
    answer as its evidence."""
    _require(actor, "evaluations.change_rectification")
    response = _locked_response(response)
    today = timezone.localdate()
    response.decision = RectificationResponse.Decision.CLOSED
    response.decided_by, response.decided_at = actor, timezone.now()
    response.decision_note = note.strip()
    _save(response, actor=actor, reason=_("确认整改完成"))
    rectification = response.rectification
    rectification.status = Rectification.Status.DONE
    rectification.completed_on = today
    evidence = _("服务机构答复（%(date)s）：%(text)s") % {"date": today, "text": response.text}
    rectification.evidence = "\n".join(filter(None, [rectification.evidence, evidence]))
    _save(rectification, actor=actor, reason=_("确认整改完成"))
    return response


@transaction.atomic
def rectification_reopen(
    *, actor: User, response: RectificationResponse, note: str
) -> RectificationResponse:
    """Staff do not accept the answer: the rectification goes on, with the reason."""
    _require(actor, "evaluations.change_rectification")
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("请填写退回原因。")})
    response = _locked_response(response)
    response.decision = RectificationResponse.Decision.REOPENED
    response.decided_by, response.decided_at = actor, timezone.now()
    response.decision_note = note
    _save(response, actor=actor, reason=_("退回继续整改"))
    rectification = response.rectification
    if rectification.status != Rectification.Status.IN_PROGRESS:
        rectification.status = Rectification.Status.IN_PROGRESS
        rectification.completed_on = None
        _save(rectification, actor=actor, reason=_("退回继续整改"))
    return response

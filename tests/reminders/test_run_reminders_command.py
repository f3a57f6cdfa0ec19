"""``run_reminders``: what it prints, a dry run that writes and sends nothing, and a run
for another day refused unless forced."""

import datetime

import pytest
from django.core import mail
from django.core.management.base import CommandError
from django.utils import timezone

from payments import reminders, services
from payments.models import Installment, Notice, Notification
from tests.helpers import at, one_installment, run_reminders

S = Installment.Status

pytestmark = pytest.mark.django_db
INLINE = reminders.INLINE


def test_the_demo_dry_run_on_20_december_2024(demo):
    output = run_reminders("--as-of", "2024-12-20", "--dry-run")
    lines = output.splitlines()
    assert lines[0] == "截至 2024-12-20（试运行，不写入、不发送）"
    assert (
        "  [付款资料逾期未交] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 付款资料逾期 20 天未交 → staff"
        "；并邮件通知服务机构 contact@wenxin-sw.example.cn" in lines
    )
    late = [line for line in lines if line.startswith("  [分期款逾期未付]")]
    assert late == [
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 10 天未付 → finance, staff"
    ]
    projection = [line for line in lines if line.startswith("  [预计年末执行率不达标]")]
    assert projection == [
        "  [预计年末执行率不达标] 2024 年预计年末执行率 93.20%，低于目标 95.00% → manager, finance"
    ]
    assert not Notice.objects.exists() and not Notification.objects.exists()
    assert len(mail.outbox) == 0


def test_a_dry_run_outside_working_hours_says_when_the_notices_would_go(demo):
    lines = run_reminders("--as-of", "2024-12-21", "--dry-run").splitlines()  # a Saturday
    late = [line for line in lines if line.startswith("  [分期款逾期未付]")]
    assert late == [
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 11 天未付"
        " → finance, staff（非工作时间，将于 12月23日 09:00 发送）"
    ]


def _state():
    return sorted(
        Notice.objects.values_list("key", "resolved_at", "resolution", "delivered_at", "title")
    ), sorted(Notification.objects.values_list("notice__key", "recipient_id", "read_at"))


def test_a_back_dated_real_run_is_refused_unless_forced(demo):
    reminders.run(now=at(datetime.date(2024, 12, 20)), send=INLINE)
    reminders.run(now=at(datetime.date(2024, 12, 26)), send=INLINE)  # level 2 by now
    before, emails = _state(), len(mail.outbox)
    with pytest.raises(CommandError) as refused:
        run_reminders("--as-of", "2024-12-20")
    assert str(refused.value) == (
        f"--as-of 2024-12-20 不是今天（{timezone.localdate()}）：按别的日期实际运行会解除现有的提醒、"
        "重开旧的提醒并发送。请加 --dry-run 只查看；确需实际运行，请加 --force。"
    )
    assert _state() == before and len(mail.outbox) == emails

    assert "重新出现 1 条：" in run_reminders("--as-of", "2024-12-20", "--dry-run")
    assert _state() == before and len(mail.outbox) == emails

    forced = run_reminders("--as-of", "2024-12-20", "--force")
    assert "重新出现 1 条：" in forced  # the level-1 notice, as it stood on the 20th
    assert _state() != before


def test_the_command_runs_today_without_force(demo):
    output = run_reminders("--as-of", timezone.localdate().isoformat())
    assert output.splitlines()[0] == f"截至 {timezone.localdate()}"


def test_the_command_lists_what_it_sends_from_earlier_deferrals(demo):
    # Friday evening: in the app at once, the e-mails wait for working hours.
    reminders.run(now=at(datetime.date(2024, 12, 20), 20, 30))
    assert Notification.objects.count() == 7 and len(mail.outbox) == 0
    lines = run_reminders("--as-of", "2024-12-23", "--force").splitlines()
    assert lines[1] == "新提醒 0 条："
    assert lines[2] == "发送此前推迟到工作时间的提醒 4 条："
    assert (
        "  [分期款逾期未付] 社会事务及福利保障社工服务项目 · 2024年8-12月合同 第二期 已逾期 10 天未付"
        " → finance, staff" in lines[3:7]
    )
    assert lines[-1] == "已发送 4 条提醒：站内通知 0 条，邮件 8 封，群机器人 0 次。"
    assert Notification.objects.count() == 7 and len(mail.outbox) == 8


def test_a_dry_run_for_a_day_before_the_documents_came_lists_them_missing(
    bureau, staff_user, finance_user
):
    """The scan of 10 June reads the records of 10 June: the documents that came on
    20 June were missing then, and the installment was still awaiting them."""
    installment = one_installment(bureau, staff_user, finance_user, due=datetime.date(2024, 6, 15))
    assert installment.documents_due == datetime.date(2024, 5, 31)
    services.installment_transition(
        actor=staff_user,
        installment=installment,
        to_status=S.AWAITING_DOCUMENTS,
        on=datetime.date(2024, 5, 1),
    )
    arrived = datetime.date(2024, 6, 20)
    for document in installment.documents.all():
        services.document_receive(actor=staff_user, document=document, received_on=arrived)
    services.installment_transition(
        actor=staff_user, installment=installment, to_status=S.DOCUMENTS_SUBMITTED, on=arrived
    )

    def documents_lines(day):
        lines = run_reminders("--as-of", day, "--dry-run").splitlines()
        return [line for line in lines if line.startswith("  [付款资料逾期未交]")]

    [line] = documents_lines("2024-06-10")
    assert f"{installment.contract.title} 第一期 付款资料逾期 10 天未交 → staff" in line
    assert documents_lines("2024-06-25") == []
    assert not Notice.objects.exists()

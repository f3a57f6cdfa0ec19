"""History the auditor reads: who recorded or withdrew a deduction (on the installment's
page), who changed the time-progress targets and the reminder settings (a page of their
own), each with the change."""

import datetime
from decimal import Decimal

import pytest

from payments import services
from tests.helpers import deduct

pytestmark = pytest.mark.django_db


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_auditor_sees_who_recorded_and_withdrew_a_deduction(
    client_for, approved, finance_user, auditor_user, bureau
):
    finance_user.full_name = "李财务"
    finance_user.save()
    deduction = deduct(approved, "5600.00", by=finance_user)
    services.deduction_withdraw(
        actor=finance_user,
        deduction=deduction,
        withdrawn_on=datetime.date(2024, 8, 12),
        reason="复核后撤销",
    )
    content = _page(client_for(auditor_user), approved.get_absolute_url())
    history = content[content.index('id="history"') :]
    assert history.count("扣减 5,600.00 元") == 2  # recorded, then withdrawn
    assert "撤销日期：— → 2024-08-12" in history
    assert "李财务" in history


def test_the_auditor_sees_who_changed_targets_and_reminder_settings(
    client_for, finance_user, manager_user, auditor_user, staff_user, bureau
):
    finance_user.full_name, manager_user.full_name = "李财务", "王分管"
    finance_user.save()
    manager_user.save()
    services.checkpoint_set(
        actor=finance_user, bureau=bureau, year=2024, month=9, target_percent=Decimal("75")
    )
    services.checkpoint_set(
        actor=finance_user, bureau=bureau, year=2024, month=9, target_percent=Decimal("70")
    )
    services.reminder_settings_save(actor=manager_user, bureau=bureau, escalate_level2_days=10)
    content = _page(client_for(auditor_user), "/payments/settings/history/")
    assert "2024 年 9 月底序时进度" in content
    assert "序时进度目标（%）：75.00 → 70.00" in content
    assert "提醒设置" in content and "王分管" in content and "李财务" in content
    assert client_for(staff_user).get("/payments/settings/history/").status_code == 403

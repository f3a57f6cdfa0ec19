"""A bureau's reminder settings keep their escalation order and sensible due-soon days
wherever they are saved: the settings page, the admin, or straight into the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from payments.models import ReminderSettings

ORDER = "紧急级别的天数应大于升级至分管领导的天数。"


@pytest.mark.parametrize(
    ("level2", "level3", "in_order"),
    [(15, 30, True), (1, 2, True), (15, 15, False), (30, 15, False), (0, 0, False)],
)
def test_urgent_comes_after_the_manager(level2, level3, in_order):
    settings = ReminderSettings(
        bureau_id=1, escalate_level2_days=level2, escalate_level3_days=level3
    )
    if in_order:
        settings.clean()
    else:
        with pytest.raises(ValidationError) as refused:
            settings.clean()
        assert refused.value.message_dict == {"escalate_level3_days": [ORDER]}


@pytest.mark.parametrize(
    ("days", "sensible"),
    [
        ([15, 7, 3], True),
        ([1], True),
        ([365, 30], True),
        ([], False),
        ([0, 7], False),
        ([366], False),
        ([7, 7], False),
        (["15"], False),
        ([7.5], False),
        ([True], False),
        (15, False),
        ({"days": 15}, False),
    ],
)
def test_due_soon_days_are_distinct_whole_days_within_a_year(days, sensible):
    settings = ReminderSettings(bureau_id=1, due_soon_days=days)
    if sensible:
        settings.clean()
    else:
        with pytest.raises(ValidationError) as refused:
            settings.clean()
        assert refused.value.message_dict == {
            "due_soon_days": ["到期提醒天数应为 1 到 365 之间互不相同的整数，例如 [15, 7, 3]。"]
        }


@pytest.mark.django_db
def test_the_database_refuses_an_urgent_level_before_the_managers(bureau):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSettings.objects.create(
            bureau=bureau, escalate_level2_days=30, escalate_level3_days=15
        )
    assert not ReminderSettings.objects.exists()


def _admin_form(bureau, **changes) -> dict:
    return {
        "bureau": bureau.pk,
        "due_soon_days": "[15, 7, 3]",
        "escalate_level2_days": "15",
        "escalate_level3_days": "30",
        "payment_deadline_days": "30",
        "tolerance_points": "5",
        "year_end_target": "95",
        "projection_from_month": "10",
        "work_start": "09:00",
        "work_end": "18:00",
        "work_days": "[]",
        "email_enabled": "on",
        "webhook_url": "",
        **changes,
    }


@pytest.mark.django_db
def test_the_admin_is_held_to_the_same_rules(rf, bureau):
    # Since duties were set apart no bureau account reaches the admin's reminder settings,
    # but the admin's own form must still hold the model's rules for whoever may.
    from django.contrib import admin

    from accounts.models import User

    model_admin = admin.site._registry[ReminderSettings]
    request = rf.get("/admin/")
    request.user = User(is_superuser=True, is_staff=True)
    form_class = model_admin.get_form(request)
    form = form_class(_admin_form(bureau, escalate_level3_days="10"))
    assert not form.is_valid()
    assert ORDER in str(form.errors)
    form = form_class(_admin_form(bureau, due_soon_days="[15, 0]"))
    assert not form.is_valid()
    assert "到期提醒天数应为 1 到 365 之间互不相同的整数" in str(form.errors)
    assert not ReminderSettings.objects.exists()

    form = form_class(_admin_form(bureau, escalate_level3_days="45"))
    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.escalate_level2_days, saved.escalate_level3_days) == (15, 45)


@pytest.mark.django_db
def test_the_settings_page_shows_the_models_message_beside_the_field(client_for, manager_user):
    form = {
        "due_soon_days": "10,5",
        "escalate_level2_days": "20",
        "escalate_level3_days": "20",
        "payment_deadline_days": "30",
        "tolerance_points": "3",
        "year_end_target": "98",
        "projection_from_month": "9",
        "work_start": "08:30",
        "work_end": "17:30",
        "work_days": "1,2,3,4,5",
        "email_enabled": "on",
        "webhook_url": "",
    }
    response = client_for(manager_user).post("/payments/reminders/settings/", form)
    assert response.status_code == 200
    assert response.context["form"].errors == {"escalate_level3_days": [ORDER]}
    assert not ReminderSettings.objects.exists()

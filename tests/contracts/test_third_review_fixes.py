"""Fixes from the third review of the contracts register."""

import pytest

from contracts.models import Contract
from tests.factories import AwardFactory

pytestmark = pytest.mark.django_db


def _contract_post(award, **overrides):
    data = {
        "award": award.pk,
        "number": "YT-2024-01",
        "title": "2024年度合同",
        "signed_on": "2024-05-20",
        "start": "2024-06-01",
        "end": "2024-12-31",
        "amount": "100000.00",
        "social_workers_senior": "0",
        "social_workers_intermediate": "1",
        "social_workers_assistant": "2",
        "supervision_hours": "40",
    }
    data.update(overrides)
    return data


# --- 1. constraint messages ----------------------------------------------------------------


def test_an_end_before_the_start_gets_a_clear_message_and_saves_nothing(
    client_for, staff_user, bureau
):
    award = AwardFactory(project__bureau=bureau)
    response = client_for(staff_user).post(
        "/contracts/new/", _contract_post(award, start="2024-06-01", end="2024-01-30")
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "服务期止必须晚于服务期起。" in content
    assert "contract_start_before_end" not in content
    assert not Contract.objects.exists()


def test_every_constraint_a_form_can_reach_has_a_message_of_its_own():
    from django.apps import apps

    without = {
        constraint.name
        for label in ("contracts", "payments", "evaluations")
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
        if constraint.violation_error_message == constraint.default_violation_error_message
    }
    # Written only by the reminder run, never through a form.
    assert without == {"notification_once_per_person"}

"""Every database constraint a form can reach has a message of its own."""

import pytest

pytestmark = pytest.mark.django_db


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

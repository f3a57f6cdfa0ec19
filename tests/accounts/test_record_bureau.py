"""Every record says which bureau it belongs to itself (its ``bureau`` or its model's
``owning_bureau_id``), so a write moves the right bureau's cached figures without the
accounts app knowing any higher app's models. No database: unsaved records."""

import pytest
from django.apps import apps

from accounts.caching import bureau_of
from accounts.models import Bureau, User
from contracts.models import AnnualGoal, Award, Contract, ContractAttachment, Project
from evaluations.models import (
    Evaluation,
    EvaluationRow,
    EvaluationTransition,
    Finding,
    GradeBand,
    GradeScale,
    OutputIndicator,
    OutputUpdate,
    Rectification,
    StatedFigure,
)
from payments.models import (
    Budget,
    BudgetEvent,
    Installment,
    InstallmentTransition,
    Payment,
    RequiredDocument,
)

# Records no bureau owns: the bureau itself (its admin moves its own version), the
# shared grade scales and indicator templates, and a person's notifications (their own
# inbox version, payments/reminders/inbox.py); the security records, which feed no cached
# figure (a confirmed role grant changes the user's groups, which moves the access version).
NOT_A_BUREAUS = {
    "accounts.RoleGrant",
    "accounts.SecurityLogAnchor",
    "accounts.Bureau",
    "evaluations.GradeScale",
    "evaluations.GradeBand",
    "evaluations.IndicatorTemplate",
    "evaluations.TemplateRow",
    "payments.Notification",
}

BUREAU = 7
project = Project(bureau_id=BUREAU)
contract = Contract(bureau_id=BUREAU)
installment = Installment(bureau_id=BUREAU)
evaluation = Evaluation(bureau_id=BUREAU)
indicator = OutputIndicator(project=project)
finding = Finding(evaluation=evaluation)


@pytest.mark.parametrize(
    "record",
    [
        User(bureau_id=BUREAU),
        project,
        AnnualGoal(project=project),
        Award(project=project),
        contract,
        ContractAttachment(contract=contract),
        Budget(bureau_id=BUREAU),
        BudgetEvent(budget=Budget(bureau_id=BUREAU)),
        installment,
        InstallmentTransition(installment=installment),
        RequiredDocument(installment=installment),
        Payment(bureau_id=BUREAU),
        evaluation,
        EvaluationTransition(evaluation=evaluation),
        EvaluationRow(evaluation=evaluation),
        StatedFigure(evaluation=evaluation),
        indicator,
        OutputUpdate(indicator=indicator),
        finding,
        Rectification(finding=finding),
    ],
    ids=lambda record: type(record).__name__,
)
def test_a_record_names_its_bureau(record):
    assert bureau_of(record) == BUREAU


@pytest.mark.parametrize("record", [Bureau(pk=3), GradeScale(), GradeBand()])
def test_a_record_no_bureau_owns_names_none(record):
    assert bureau_of(record) is None


def test_every_model_of_the_apps_holds_its_bureau_or_says_whose_it_is():
    silent = []
    for label in ("accounts", "contracts", "payments", "evaluations"):
        for model in apps.get_app_config(label).get_models():
            name = f"{label}.{model.__name__}"
            if model.__name__.startswith("Historical") or name in NOT_A_BUREAUS:
                continue
            fields = {f.name for f in model._meta.get_fields()}
            if "bureau" not in fields and not hasattr(model, "owning_bureau_id"):
                silent.append(name)
    assert silent == []

"""factory_boy factories for every model the tests build."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Bureau, User

TEST_PASSWORD = "correct-horse-battery"


class BureauFactory(DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试区民政局{n}")
    division_code = factory.Sequence(lambda n: f"4403{n % 100:02d}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    bureau = factory.SubFactory(BureauFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- contracts ---------------------------------------------------------------------------

import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from contracts.models import Award, Contract, Project, Provider  # noqa: E402
from contracts.validators import credit_code_check_digit  # noqa: E402


def credit_code(n: int, region: str = "440308") -> str:
    body = f"52{region}MJ{n:07d}"
    return body + credit_code_check_digit(body)


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = Provider

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"测试社工服务中心{n}")
    credit_code = factory.Sequence(lambda n: credit_code(n + 1))


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    bureau = factory.SubFactory(BureauFactory)
    name = factory.Sequence(lambda n: f"测试社工服务项目{n}")
    service_field = "social_welfare"


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = Award

    project = factory.SubFactory(ProjectFactory)
    provider = factory.SubFactory(ProviderFactory, bureau=factory.SelfAttribute("..project.bureau"))
    procurement_method = Award.Method.OPEN_TENDER
    award_date = datetime.date(2021, 8, 1)
    term_start = datetime.date(2021, 9, 1)
    term_months = 40
    annual_amount = Decimal("1014000.00")


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    award = factory.SubFactory(AwardFactory)
    bureau = factory.SelfAttribute("award.project.bureau")
    number = factory.Sequence(lambda n: f"HT-{n:05d}")
    title = "2023-2024年度合同"
    signed_on = datetime.date(2023, 7, 25)
    start = datetime.date(2023, 8, 1)
    end = datetime.date(2024, 7, 31)
    amount = Decimal("1014000.00")


# --- payments ----------------------------------------------------------------------------

from payments.models import Audit, Budget, BudgetEvent  # noqa: E402


class BudgetFactory(DjangoModelFactory):
    class Meta:
        model = Budget

    project = factory.SubFactory(ProjectFactory)
    bureau = factory.SelfAttribute("project.bureau")
    year = 2024
    # Not fields: recorded as a 年初预算 and a 指标下达 event dated 1 January of the year.
    initial_amount = Decimal("1014000.00")
    issued_amount = Decimal("1014000.00")
    recorded_by = None

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in ("initial_amount", "issued_amount", "recorded_by"):
            kwargs.pop(name)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        amounts = {
            BudgetEvent.Kind.INITIAL: kwargs.pop("initial_amount"),
            BudgetEvent.Kind.ISSUED: kwargs.pop("issued_amount"),
        }
        recorded_by = kwargs.pop("recorded_by")
        budget = super()._create(model_class, *args, **kwargs)
        recorded_by = recorded_by or UserFactory(
            bureau=budget.bureau, username=f"budget-keeper-{budget.bureau_id}"
        )
        for kind, amount in amounts.items():
            if amount:
                BudgetEvent.objects.create(
                    budget=budget,
                    kind=kind,
                    amount=amount,
                    dated_on=datetime.date(budget.year, 1, 1),
                    reason="测试",
                    recorded_by=recorded_by,
                )
        return budget


class AuditFactory(DjangoModelFactory):
    class Meta:
        model = Audit

    bureau = factory.SubFactory(BureauFactory)
    kind = Audit.Kind.AUDIT
    firm = "深圳某会计师事务所"
    year = 2024
    started_on = datetime.date(2024, 8, 1)


# --- many rows at once -------------------------------------------------------------------


def contracts_in_bulk(bureau, numbers, *, award=None, owner=None) -> list[Contract]:
    """Contracts with the factories' values, numbered ``numbers``, each under an award of a
    project and a provider of its own (or all under ``award``), written with one INSERT per
    table: the hundreds of rows a list or a dashboard is measured on. Like any record made
    outside the services, they have no history rows and move no cache version."""
    numbers = list(numbers)
    if award is None:
        projects = Project.objects.bulk_create(
            [ProjectFactory.build(bureau=bureau) for _ in numbers]
        )
        providers = Provider.objects.bulk_create(
            [ProviderFactory.build(bureau=bureau) for _ in numbers]
        )
        awards = Award.objects.bulk_create(
            [
                AwardFactory.build(project=project, provider=provider)
                for project, provider in zip(projects, providers, strict=True)
            ]
        )
    else:
        awards = [award] * len(numbers)
    return Contract.objects.bulk_create(
        [
            ContractFactory.build(award=award, number=number, owner=owner)
            for award, number in zip(awards, numbers, strict=True)
        ]
    )


def budgets_in_bulk(contracts, *, recorded_by, year=2024, issued=Decimal("1014000.00")):
    """A budget of each contract's project with one 指标下达 event of ``issued`` dated
    1 January, written with one INSERT per table."""
    budgets = Budget.objects.bulk_create(
        BudgetFactory.build(project=contract.award.project, year=year) for contract in contracts
    )
    BudgetEvent.objects.bulk_create(
        BudgetEvent(
            budget=budget,
            kind=BudgetEvent.Kind.ISSUED,
            amount=issued,
            dated_on=datetime.date(year, 1, 1),
            reason="测试",
            recorded_by=recorded_by,
        )
        for budget in budgets
    )
    return budgets


def installments_in_bulk(contracts, *, status="under_review", due=datetime.date(2024, 3, 31)):
    """One installment of each contract (its whole amount, ``status``, due on ``due``),
    written with one INSERT: the hundreds of rows a list or 我的待办 is measured on."""
    from payments.models import Installment

    return Installment.objects.bulk_create(
        Installment(
            bureau=contract.award.project.bureau,
            contract=contract,
            number=1,
            percent=Decimal(100),
            planned_amount=contract.amount,
            due_date=due,
            status=status,
        )
        for contract in contracts
    )


def payments_in_bulk(installments, *, posted_by, paid_on=datetime.date(2024, 4, 30)):
    """One payment of each installment's whole amount, written with one INSERT."""
    from payments.models import Payment

    return Payment.objects.bulk_create(
        Payment(
            bureau_id=installment.bureau_id,
            installment=installment,
            paid_on=paid_on,
            amount=installment.planned_amount,
            voucher_number=f"记-{installment.pk}",
            posted_by=posted_by,
        )
        for installment in installments
    )

"""The rules of the register: credit codes, award terms, contract periods and amounts."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import services
from contracts.models import Contract, add_months
from contracts.validators import credit_code_check_digit, validate_credit_code
from core.money import from_wan, percent, split, to_wan, to_yuan
from tests.factories import AwardFactory, ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_a_published_credit_code_validates():
    # A sample code whose check digit is public (GB 32100-2015 worked example style).
    validate_credit_code("91350100M000100Y43")
    assert credit_code_check_digit("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "第 18 位应为 3"),
        ("91350100M000100Y4", "应为 18 位，当前为 17 位"),
        ("91350100M000100YO3", "不允许的字符：O"),
    ],
)
def test_a_wrong_credit_code_is_refused_with_a_clear_message(code, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_credit_code(code)
    assert message in excinfo.value.messages[0]


def test_award_term_end_is_derived_from_its_start_and_months():
    award = AwardFactory.build(term_start=datetime.date(2021, 9, 1), term_months=40)
    assert award.term_end == datetime.date(2024, 12, 31)
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)


def test_a_contract_outside_its_award_term_is_refused(staff_user):
    award = AwardFactory(project__bureau=staff_user.bureau)
    with pytest.raises(ValidationError) as excinfo:
        services.contract_create(
            actor=staff_user,
            award=award,
            number="HT-1",
            title="2025年合同",
            signed_on=datetime.date(2024, 12, 1),
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
            amount=Decimal("1000.00"),
        )
    assert "超出中标期 2021-09-01 至 2024-12-31" in excinfo.value.message_dict["start"][0]
    assert not Contract.objects.exists()


def test_a_contract_amount_must_be_positive(staff_user):
    award = AwardFactory(project__bureau=staff_user.bureau)
    with pytest.raises(ValidationError) as excinfo:
        services.contract_create(
            actor=staff_user,
            award=award,
            number="HT-1",
            title="2023-2024年度合同",
            signed_on=datetime.date(2023, 7, 1),
            start=datetime.date(2023, 8, 1),
            end=datetime.date(2024, 7, 31),
            amount=Decimal("-5.00"),
        )
    assert "合同金额必须大于 0。" in excinfo.value.message_dict["amount"]
    assert not Contract.objects.exists()


def test_contract_numbers_are_unique_per_bureau(staff_user):
    existing = ContractFactory(award__project__bureau=staff_user.bureau, number="HT-7")
    with pytest.raises(ValidationError) as excinfo:
        services.contract_create(
            actor=staff_user,
            award=existing.award,
            number="HT-7",
            title="另一份",
            signed_on=existing.signed_on,
            start=existing.start,
            end=existing.end,
            amount=Decimal("1.00"),
        )
    assert "本单位已有编号为 HT-7 的合同" in excinfo.value.message_dict["number"][0]
    # Another bureau may use the same number.
    other = ContractFactory(number="HT-7")
    assert other.bureau != existing.bureau


def test_a_term_over_one_year_warns_and_over_three_is_refused_unless_continuing(staff_user):
    award = AwardFactory(
        project__bureau=staff_user.bureau, term_start=datetime.date(2020, 1, 1), term_months=60
    )
    common = {
        "actor": staff_user,
        "award": award,
        "title": "多年合同",
        "signed_on": datetime.date(2020, 1, 1),
        "start": datetime.date(2020, 1, 1),
        "amount": Decimal("100.00"),
    }
    two_years = services.contract_create(number="A", end=datetime.date(2021, 12, 31), **common)
    assert any("合同期超过 1 年" in w for w in services.contract_warnings(two_years))

    one_year = services.contract_create(
        number="B",
        end=datetime.date(2020, 12, 31),
        **{**common, "start": datetime.date(2020, 1, 1)},
    )
    assert services.contract_warnings(one_year) == []

    with pytest.raises(ValidationError) as excinfo:
        services.contract_create(number="C", end=datetime.date(2023, 6, 30), **common)
    assert "合同期超过 3 年" in excinfo.value.message_dict["end"][0]

    continuing = services.contract_create(
        number="D", end=datetime.date(2023, 6, 30), continuing_service=True, **common
    )
    assert any("不超过 3 年" in w for w in services.contract_warnings(continuing))


def test_termination_needs_a_reason_and_a_date_in_the_period(staff_user):
    contract = ContractFactory(award__project__bureau=staff_user.bureau)
    with pytest.raises(ValidationError):
        services.contract_terminate(
            actor=staff_user, contract=contract, terminated_on=datetime.date(2024, 1, 1), reason=" "
        )
    with pytest.raises(ValidationError):
        services.contract_terminate(
            actor=staff_user,
            contract=contract,
            terminated_on=datetime.date(2025, 1, 1),
            reason="违约",
        )
    contract.refresh_from_db()
    assert contract.terminated_on is None

    services.contract_terminate(
        actor=staff_user,
        contract=contract,
        terminated_on=datetime.date(2024, 1, 15),
        reason="机构违约",
    )
    contract.refresh_from_db()
    assert contract.status_on(datetime.date(2023, 9, 1)) == Contract.Status.TERMINATED
    assert contract.history.first().history_user == staff_user


def test_status_follows_the_dates():
    contract = ContractFactory.build(
        start=datetime.date(2023, 8, 1), end=datetime.date(2024, 7, 31)
    )
    assert contract.status_on(datetime.date(2023, 7, 31)) == Contract.Status.PENDING
    assert contract.status_on(datetime.date(2023, 8, 1)) == Contract.Status.ACTIVE
    assert contract.status_on(datetime.date(2024, 7, 31)) == Contract.Status.ACTIVE
    assert contract.status_on(datetime.date(2024, 8, 1)) == Contract.Status.EXPIRED


def test_a_provider_outside_civil_affairs_registration_gets_a_warning(staff_user):
    provider = ProviderFactory(bureau=staff_user.bureau, credit_code="91350100M000100Y43")
    assert "不以 52 开头" in services.provider_warnings(provider)[0]


def test_money_helpers_round_half_up_and_split_exactly():
    assert to_yuan("0.005") == Decimal("0.01")
    assert to_wan(Decimal("2177100.00")) == Decimal("217.71")
    assert from_wan("93.44") == Decimal("934400.00")
    assert percent(Decimal("2177100"), Decimal("2336000")) == Decimal("93.20")
    assert split(Decimal("100.00"), [Decimal("33"), Decimal("33"), Decimal("34")]) == [
        Decimal("33.00"),
        Decimal("33.00"),
        Decimal("34.00"),
    ]
    assert split(Decimal("1000.01"), [Decimal("30"), Decimal("40"), Decimal("30")]) == [
        Decimal("300.00"),
        Decimal("400.00"),
        Decimal("300.01"),
    ]
    with pytest.raises(TypeError):
        to_yuan(0.1)


def test_a_contracts_award_cannot_change(staff_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    other = AwardFactory(project__bureau=bureau)
    with pytest.raises(ValidationError) as excinfo:
        services.contract_update(actor=staff_user, contract=contract, award=other)
    assert "不能更换中标" in excinfo.value.message_dict["award"][0]


def test_an_award_with_contracts_keeps_its_project(staff_user, bureau):
    contract = ContractFactory(award__project__bureau=bureau)
    other_project = AwardFactory(project__bureau=bureau).project
    with pytest.raises(ValidationError):
        services.award_update(actor=staff_user, award=contract.award, project=other_project)


def test_the_service_refuses_a_new_owner_without_the_staff_role(staff_user, finance_user, bureau):
    from django.core.exceptions import ValidationError

    from contracts import services

    contract = ContractFactory(award__project__bureau=bureau, owner=staff_user)
    with pytest.raises(ValidationError) as refused:
        services.contract_update(actor=staff_user, contract=contract, owner=finance_user)
    assert refused.value.message_dict == {"owner": ["经办人必须是业务科室的用户。"]}
    contract.refresh_from_db()
    assert contract.owner == staff_user

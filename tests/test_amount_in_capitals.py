"""大写金额: an amount in yuan in the Chinese capitals a payment approval form (付款审批单)
prints beside the figures."""

from decimal import Decimal

import pytest

from core.money import capitals


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("0.01", "壹分"),
        ("0.50", "伍角"),
        ("0.00", "零元整"),
        ("10", "壹拾元整"),
        ("100000", "壹拾万元整"),
        ("121600.00", "壹拾贰万壹仟陆佰元整"),
        ("2177100.00", "贰佰壹拾柒万柒仟壹佰元整"),
        ("100000000.05", "壹亿元零伍分"),
        ("100050", "壹拾万零伍拾元整"),
        ("1000005", "壹佰万零伍元整"),
        ("304200.30", "叁拾万肆仟贰佰元叁角"),
        ("1010.07", "壹仟零壹拾元零柒分"),
        ("100000001", "壹亿零壹元整"),
        ("12960", "壹万贰仟玖佰陆拾元整"),
        ("34560.78", "叁万肆仟伍佰陆拾元柒角捌分"),
    ],
)
def test_an_amount_is_written_in_capitals_as_on_a_voucher(amount, written):
    assert capitals(Decimal(amount)) == written


def test_a_negative_amount_has_no_capitals():
    with pytest.raises(ValueError):
        capitals(Decimal("-1"))

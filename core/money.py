"""Money in yuan (元) as Decimal, and the one place amounts and rates are rounded.

Amounts are stored in yuan with two decimals. Reports show 万元 with two decimals and
rates as percentages with two decimals; both round half up, as Chinese financial
statements do. Nothing here ever touches a float.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal("10000")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def to_yuan(value) -> Decimal:
    """A stored amount: yuan, rounded half up to the fen."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a string or a Decimal")
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def to_wan(value: Decimal | None) -> Decimal | None:
    """Yuan → 万元 with two decimals, for display."""
    if value is None:
        return None
    return (Decimal(value) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_exact(value) -> Decimal:
    """Yuan → 万元 without rounding (12960 → 1.296, 34560 → 3.456): for text that states an
    amount, which must never lose precision."""
    return Decimal(value) / TEN_THOUSAND


def wan_text(value, *, places: int = 0) -> str:
    """An amount in 万元 as text, exact: at least ``places`` decimals, more only where
    the amount needs them (233.6 or 233.60 with ``places=2``; 1.296 either way)."""
    wan = wan_exact(value)
    shown = format(wan.normalize(), "f")
    decimals = len(shown.partition(".")[2])
    return f"{wan:.{max(places, decimals)}f}"


def from_wan(value) -> Decimal:
    """万元 → yuan (for the demo, whose source figures are stated in 万元)."""
    return to_yuan(Decimal(str(value)) * TEN_THOUSAND)


def percent(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator ÷ denominator as a percentage with two decimals; None when undefined."""
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def split(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Split ``total`` by percentages into yuan amounts that add up to it exactly.

    Each part is rounded half up to the fen; the rounding remainder goes to the last.
    """
    if not percents:
        return []
    parts = [to_yuan(total * Decimal(p) / HUNDRED) for p in percents[:-1]]
    parts.append(to_yuan(total) - sum(parts, ZERO))
    return parts


CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_GROUPS = ("", "万", "亿", "万亿")


def _capital_group(number: int) -> str:
    """A group of four digits (1-9999) in capitals, a 零 for each run of inner zeros."""
    text, zero = "", False
    for place, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = number // place % 10
        if digit == 0:
            zero = bool(text)
            continue
        text += ("零" if zero else "") + CAPITAL_DIGITS[digit] + unit
        zero = False
    return text


def capitals(value) -> str:
    """An amount in yuan written in Chinese capitals (大写金额), as on a payment voucher:
    121600 → 壹拾贰万壹仟陆佰元整, 100000000.05 → 壹亿元零伍分, 0.01 → 壹分.

    One 零 stands for each run of zeros between non-zero digits (also across 万 and 亿);
    an amount ending at 元 ends with 整 (《支付结算办法》)."""
    amount = to_yuan(value)
    if amount < 0:
        raise ValueError("an amount in capitals cannot be negative")
    yuan, cents = divmod(int(amount * 100), 100)
    jiao, fen = divmod(cents, 10)
    groups = []
    while yuan:
        yuan, group = divmod(yuan, 10000)
        groups.append(group)
    text, zero = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = bool(text)
            continue
        if text and (zero or group < 1000):
            text += "零"
        text += _capital_group(group) + CAPITAL_GROUPS[index]
        zero = False
    if not text and not cents:
        return "零元整"
    if text:
        text += "元"
        if not cents:
            return text + "整"
        if not jiao:
            return f"{text}零{CAPITAL_DIGITS[fen]}分"
    if jiao:
        text += CAPITAL_DIGITS[jiao] + "角"
    return text + (CAPITAL_DIGITS[fen] + "分" if fen else "")

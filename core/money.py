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

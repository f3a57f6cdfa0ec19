"""Display of money and rates: 万元 and percentages with two decimals, yuan to the fen."""

from decimal import Decimal

from django import template

from core.money import to_wan

register = template.Library()


@register.filter
def wan(value):
    """1322000.00 → "132.20" (万元)."""
    if value in (None, ""):
        return "—"
    return f"{to_wan(Decimal(value)):,.2f}"


@register.filter
def yuan(value):
    """1322000 → "1,322,000.00" (元)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def pct(value):
    """A percentage already rounded by the selectors: 93.20 → "93.20%"."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):.2f}%"

"""Money: one definition of the cent, rounding, line totals, minor units and the JSON shape.

Amounts are ``Decimal`` with two places plus a currency code, never float. Rounding to the
cent uses Decimal's default context (half-even), as every stored total so far was made with it.
"""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")

# Currencies whose smallest unit is the unit itself (Stripe's "zero-decimal" currencies).
_ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "PYG", "UGX", "XAF", "XOF"}


def to_cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent."""
    return amount.quantize(CENT)


def line_total(unit_price: Decimal, quantity: int) -> Decimal:
    """What ``quantity`` units at ``unit_price`` cost, to the cent."""
    return to_cents(unit_price * quantity)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """The integer amount a card gateway takes (cents, or units for zero-decimal currencies)."""
    if currency.upper() in _ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_exact())


def from_minor_units(value: int, currency: str) -> Decimal:
    if currency.upper() in _ZERO_DECIMAL:
        return Decimal(value)
    return to_cents(Decimal(value) / 100)


def money(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    """The API's money shape ``{"amount": "1234.50", "currency": "CNY"}`` (None stays None)."""
    if amount is None:
        return None
    return {"amount": f"{amount:.2f}", "currency": currency}

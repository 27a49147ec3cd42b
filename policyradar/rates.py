"""Exchange rates to CNY used to compare amounts across currencies.

Defaults are rounded 2025 averages (CNY per one unit). Deployments override them with
``POLICYRADAR_FX_RATES`` as JSON, e.g. ``{"USD": 7.2, "EUR": 7.9}``; callers pass those overrides in
(``Settings.fx_rates``), so nothing here reads the settings.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_RATES_TO_CNY = {
    "CNY": 1.0,
    "USD": 7.18,
    "EUR": 7.85,
    "GBP": 9.25,
    "HKD": 0.92,
    "JPY": 0.048,
    "SGD": 5.45,
}


def rates_to_cny(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """The built-in rates with ``overrides`` (currency codes in any case) over them."""
    return {**DEFAULT_RATES_TO_CNY, **{code.upper(): rate for code, rate in (overrides or {}).items()}}


def to_cny(value: float, currency: str, rates: Mapping[str, float]) -> float | None:
    """``value`` in ``currency`` converted with ``rates`` to the fen; None for an unknown currency."""
    rate = rates.get(currency.upper())
    return None if rate is None else round(value * rate, 2)

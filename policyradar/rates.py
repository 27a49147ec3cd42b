"""Exchange rates to CNY used to compare amounts across currencies.

Defaults are rounded 2025 averages (CNY per one unit). Override them with
``POLICYRADAR_FX_RATES`` as JSON, e.g. ``{"USD": 7.2, "EUR": 7.9}``.
"""

from __future__ import annotations

from functools import lru_cache

from policyradar.settings import get_settings

DEFAULT_RATES_TO_CNY = {
    "CNY": 1.0,
    "USD": 7.18,
    "EUR": 7.85,
    "GBP": 9.25,
    "HKD": 0.92,
    "JPY": 0.048,
    "SGD": 5.45,
}


@lru_cache(maxsize=1)
def rates_to_cny() -> dict[str, float]:
    """The built-in rates with the settings' ``fx_rates`` (``POLICYRADAR_FX_RATES``) over them."""
    return {**DEFAULT_RATES_TO_CNY, **get_settings().fx_rates}


def to_cny(value: float, currency: str) -> float | None:
    rate = rates_to_cny().get(currency)
    return None if rate is None else round(value * rate, 2)

"""What extraction takes from the settings, passed down as an argument (never read from globals)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from policyradar.rates import rates_to_cny
from policyradar.settings import Settings


@dataclass(frozen=True)
class ExtractionOptions:
    """The pipeline profile, the user's extra company-alias file ("" for none) and the exchange-rate
    overrides (currency, CNY per unit). Hashable, so pipelines built from it can be cached."""

    profile: str = "default"
    company_aliases: str = ""
    fx_rates: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> ExtractionOptions:
        aliases = str(settings.company_aliases) if settings.company_aliases else ""
        return cls(settings.nlp_profile, aliases, tuple(sorted(settings.fx_rates.items())))

    @property
    def rates(self) -> MappingProxyType[str, float]:
        """The built-in rates with this run's overrides over them."""
        return MappingProxyType(rates_to_cny(dict(self.fx_rates)))


DEFAULT_OPTIONS = ExtractionOptions()

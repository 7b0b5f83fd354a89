"""The typed settings of an outlook run: what was asked, what was used, and every fall-back taken.

:class:`OutlookSettings` is frozen and holds only typed fields; the report, the CLI summary
and the manifest read these fields and nothing else. ``to_dict`` gives the JSON form the
manifest stores and ``from_dict`` reads it back (the report notebook does), so the two
cannot drift apart.

A step that cannot run as asked and falls back to something weaker (a literature trade
elasticity instead of an estimated one, direct effects instead of general equilibrium,
resampling instead of a time-series model) returns a :class:`Fallback`; the one producer of
the outlook result announces them all (:func:`announce`: logged, and warned as
:class:`~forecasting.errors.FallbackWarning` pointing at the caller's code) and records them
on the settings, so the console summary and the report say which step fell back, why, and
what data would lift it. The stages themselves stay quiet, so a stage run on a cluster worker
hands its fall-backs back as data.
"""

from __future__ import annotations

import inspect
import logging
import math
import numbers
import os
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

from forecasting.errors import FallbackWarning, OptionError, SchemaError, option_hint

logger = logging.getLogger(__name__)

__all__ = [
    "ELASTICITY_ORIGINS",
    "GE_MODES",
    "Elasticity",
    "MAX_YEARS_AHEAD",
    "Fallback",
    "Nowcast",
    "OutlookSettings",
    "SeriesMethod",
    "announce",
    "check_draws",
    "check_horizon",
    "min_draws",
    "user_stacklevel",
]

_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside this package.

    Pass it straight to ``warnings.warn(..., stacklevel=user_stacklevel())``: however deep
    inside the outlook a warning is raised, it then points at the user's cell or script.
    """
    frame, level = inspect.currentframe(), 0
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


#: The longest outlook, in years after the base year. The baselines are fitted to about 25
#: annual observations and the corridor scenarios are phased in over 5-15 years; a path further
#: out than the history is long would be the model's shape, not information.
MAX_YEARS_AHEAD = 25


def _given(keyword: str, value: object) -> str:
    """How the user wrote the option: ``horizon=2020`` in Python, ``--horizon 2020`` in the CLI."""
    return option_hint(keyword, value, verb="").strip()


def check_horizon(horizon: int, base_year: int) -> None:
    """Refuse a last forecast year that is not after ``base_year`` or more than :data:`MAX_YEARS_AHEAD` after it.

    Examples
    --------
    >>> check_horizon(2035, 2025)
    >>> check_horizon(2025, 2025)
    Traceback (most recent call last):
    ...
    forecasting.errors.OptionError: horizon=2025: the forecast must end after the last data year 2025; pass horizon=2035 (any year from 2026 to 2050)
    """
    if isinstance(horizon, bool) or not isinstance(horizon, numbers.Integral):
        raise OptionError(f"{_given('horizon', horizon)}: the horizon is a year, such as 2035")
    last = base_year + MAX_YEARS_AHEAD
    if horizon <= base_year:
        raise OptionError(
            f"{_given('horizon', horizon)}: the forecast must end after the last data year {base_year};"
            f" {option_hint('horizon', min(base_year + 10, last))} (any year from {base_year + 1} to {last})"
        )
    if horizon > last:
        raise OptionError(
            f"{_given('horizon', horizon)} is {int(horizon) - base_year} years after the last data year"
            f" {base_year}; the outlook forecasts at most {MAX_YEARS_AHEAD} years ahead, since annual trade"
            f" series say nothing about a path further out; {option_hint('horizon', last)} or earlier"
        )


def min_draws(level: tuple[int, ...] | list[int] = (80, 95)) -> int:
    """The fewest Monte Carlo draws for intervals at ``level``: one draw beyond each end of the widest.

    Examples
    --------
    >>> min_draws((80, 95)), min_draws((80,)), min_draws((99,))
    (40, 10, 200)
    """
    widest = max(level)
    if not 0 < widest < 100:
        raise OptionError(
            f"{_given('level', tuple(level))}: interval levels are percentages between 0 and 100"
        )
    return math.ceil(round(2 / (1 - widest / 100), 9))


def check_draws(draws: int, level: tuple[int, ...] | list[int] = (80, 95)) -> None:
    """Refuse fewer draws than :func:`min_draws` asks for (they give zero-width or one-draw intervals).

    Examples
    --------
    >>> check_draws(1000)
    >>> check_draws(1)
    Traceback (most recent call last):
    ...
    forecasting.errors.OptionError: draws=1 is too few for the 95% interval: it needs at least 40 draws (one beyond each end); pass draws=1000 (the default), or at least 40
    """
    needed = min_draws(level)
    if isinstance(draws, bool) or not isinstance(draws, numbers.Integral) or draws < needed:
        raise OptionError(
            f"{_given('draws', draws)} is too few for the {max(level)}% interval: it needs at least {needed}"
            f" draws (one beyond each end); {option_hint('draws', 1000)} (the default), or at least {needed}"
        )


ElasticityOrigin = Literal["estimated", "pooled", "literature", "distance"]
ELASTICITY_ORIGINS: tuple[str, ...] = get_args(ElasticityOrigin)
GEMode = Literal["full", "direct"]
GE_MODES: tuple[str, ...] = get_args(GEMode)


@dataclass(frozen=True)
class Fallback:
    """One step that fell back: which step (and what it concerns), why, and what would lift it.

    Examples
    --------
    >>> str(Fallback("GE effects", "no production data", "pass production="))
    'GE effects: no production data; pass production='
    """

    step: str
    reason: str
    remedy: str

    def __str__(self) -> str:
        return f"{self.step}: {self.reason}; {self.remedy}"


def announce(fallbacks: tuple[Fallback, ...]) -> tuple[Fallback, ...]:
    """Log every fall-back, warn once listing them all (:class:`FallbackWarning`), return them."""
    for taken in fallbacks:
        logger.warning("fall-back: %s", taken)
    if fallbacks:
        listing = "\n".join(f"  - {taken}" for taken in fallbacks)
        message = (
            f"the outlook took {len(fallbacks)} fall-back(s), recorded in settings.fallbacks:\n{listing}"
        )
        warnings.warn(message, FallbackWarning, stacklevel=user_stacklevel())
    return fallbacks


@dataclass(frozen=True)
class Elasticity:
    """Trade-cost elasticity (``1 - sigma``) of one commodity and where it came from.

    ``origin`` is ``"estimated"`` (the commodity's own PPML coefficient), ``"pooled"`` (the
    precision-weighted mean of the commodities whose estimate is usable), ``"distance"``
    (no tariff data: the commodity's own distance coefficient scaled by an assumed ratio, see
    :func:`forecasting.projection.gravity_model.distance_elasticities`) or ``"literature"``
    (no gravity estimate at all); ``source`` says which coefficient or publication.
    """

    commodity: str
    estimate: float
    std_error: float
    origin: ElasticityOrigin
    source: str = ""

    def __post_init__(self) -> None:
        if self.origin not in ELASTICITY_ORIGINS:
            raise SchemaError(
                f"elasticity origin {self.origin!r} is not one of {', '.join(ELASTICITY_ORIGINS)}"
            )


@dataclass(frozen=True)
class SeriesMethod:
    """How one series of the pair was projected and why.

    ``method`` is ``"auto"`` (the default forecast), ``"resample"`` (intermittent) or
    ``"no statistical forecast"`` (too short), see :mod:`forecasting.projection.baseline`;
    ``reason`` says why in words, ``fitted_from`` is the first year the method uses and
    ``years`` how many years that is.
    """

    reporter: str
    partner: str
    flow: str
    commodity: str
    method: str
    reason: str
    fitted_from: int
    years: int


@dataclass(frozen=True)
class Nowcast:
    """A full-year estimate for a year the data do not cover yet, from a published year-to-date figure.

    ``reporter`` is the side whose figure it is (its basis, not the forecast's mirror rule),
    ``measure`` what it measures (``turnover``, ``KAZ exports to PAK``), ``months`` the
    months to date; the estimate and its 80 and 95 % intervals are in US dollars. ``method``
    says how (:mod:`forecasting.projection.nowcast`), ``source`` cites the figure.
    """

    year: int
    reporter: str
    partner: str
    measure: str
    months: int
    year_to_date_usd: float
    estimate_usd: float
    lower_80_usd: float
    upper_80_usd: float
    lower_95_usd: float
    upper_95_usd: float
    method: str
    source: str

    def __str__(self) -> str:
        return (
            f"nowcast {self.year} {self.measure} ({self.reporter} figures): USD {self.estimate_usd / 1e6:,.1f} m"
            f" (80 % {self.lower_80_usd / 1e6:,.1f}-{self.upper_80_usd / 1e6:,.1f}) from"
            f" {self.months} months' USD {self.year_to_date_usd / 1e6:,.1f} m"
        )


@dataclass(frozen=True)
class OutlookSettings:
    """Everything that defines an outlook run, typed.

    Attributes
    ----------
    pair
        The two countries (ISO3); series are oriented from the first.
    horizon, base_year
        Last forecast year and last data year.
    draws, ge_draws, seed, levels
        Monte Carlo draws of the outlook and of the GE step, the seed, interval levels (%).
    target_usd
        The turnover target (USD) whose probability is reported.
    demo, data_label, data_source
        Whether the run used the bundled simulated data, the label every product then
        carries (empty for real data), and where the data came from.
    mirror_rule, reporting_basis
        The rule that values each direction when both sides report it, and the statement of
        what it means for this pair's data (derived from both sides' reports, see
        :func:`forecasting.projection.history.reporting_basis`).
    ge_mode, reference_importer
        ``"full"`` (full-endowment GE on the base year) or ``"direct"`` (direct effects only),
        and the GE numeraire.
    rows_set_aside
        Rows the cleaning steps set aside (aggregation and mirror reconciliation).
    series_methods, baseline_model, elasticities
        The projection method of each series, the statistical baseline model in words, and
        the trade elasticity of each commodity.
    fallbacks
        Every fall-back the run took, in the order taken.
    nowcasts
        Full-year estimates for years after the base year from published year-to-date
        figures (:class:`Nowcast`), on their own side's basis: shown beside the forecast,
        never mixed into the data it starts from.
    """

    pair: tuple[str, str]
    horizon: int
    base_year: int
    draws: int
    ge_draws: int
    seed: int
    levels: tuple[int, ...]
    target_usd: float
    demo: bool
    data_label: str
    data_source: str
    mirror_rule: str
    reporting_basis: str
    ge_mode: GEMode
    reference_importer: str
    rows_set_aside: int
    series_methods: tuple[SeriesMethod, ...] = ()
    baseline_model: str = ""
    elasticities: tuple[Elasticity, ...] = ()
    fallbacks: tuple[Fallback, ...] = field(default=())
    nowcasts: tuple[Nowcast, ...] = ()

    def __post_init__(self) -> None:
        for name in ("pair", "levels", "series_methods", "elasticities", "fallbacks", "nowcasts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        found = []
        if len(self.pair) != 2 or self.pair[0] == self.pair[1]:
            found.append(f"pair must be two different countries, got {self.pair!r}")
        if not self.horizon > self.base_year:
            found.append(f"horizon {self.horizon} must be after the base year {self.base_year}")
        if self.ge_mode not in GE_MODES:
            found.append(f"ge_mode {self.ge_mode!r} is not one of {', '.join(GE_MODES)}")
        if not all(0 < level < 100 for level in self.levels):
            found.append(f"levels must be percentages between 0 and 100, got {self.levels!r}")
        if found:
            raise SchemaError("outlook settings: " + "; ".join(found))

    @property
    def ge_description(self) -> str:
        """The GE step in words, for the CLI summary and the report's methods."""
        if self.ge_mode == "direct":
            return "direct (partial) effects of each corridor's cost change, no general equilibrium"
        return (
            f"full-endowment GE on the {self.base_year} base year (observed flows, reference importer"
            f" {self.reference_importer}), {self.ge_draws} joint draws of elasticity and corridor case,"
            " each solved"
        )

    def elasticity(self, commodity: str) -> Elasticity:
        """The elasticity used for ``commodity``."""
        for item in self.elasticities:
            if item.commodity == commodity:
                return item
        known = ", ".join(e.commodity for e in self.elasticities)
        raise SchemaError(f"no elasticity recorded for {commodity!r}; the run has {known}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (tuples as lists, records as dictionaries).

        Examples
        --------
        >>> s = OutlookSettings(("KAZ", "PAK"), 2030, 2025, 10, 10, 1, (80,), 1e9, False, "", "x",
        ...                     "importer", "...", "direct", "DEU", 0)
        >>> OutlookSettings.from_dict(s.to_dict()) == s
        True
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> OutlookSettings:
        """Inverse of :meth:`to_dict`; unknown keys are an error (they mean the versions differ)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SchemaError(f"outlook settings have unknown fields {unknown}; written by another version?")
        values = dict(raw)
        records = {"series_methods": SeriesMethod, "elasticities": Elasticity, "fallbacks": Fallback,
                   "nowcasts": Nowcast}  # fmt: skip
        for name, kind in records.items():
            values[name] = tuple(kind(**item) for item in values.get(name, ()))
        values["pair"], values["levels"] = tuple(values["pair"]), tuple(values["levels"])
        return cls(**values)

"""The model names users type, which engine runs each, and how much history each needs.

One registry keeps the names, engines and minimum lengths together so that the error a
user sees for a short series or a misspelt name is the same wherever it is raised.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from forecasting.errors import ForecastingError, SeriesTooShortError, describe_items

EngineName = Literal["statsforecast", "pmdarima", "statsmodels", "meta"]


class UnknownModelError(ForecastingError, ValueError):
    """A model name is not one the toolkit knows."""


@dataclass(frozen=True)
class ModelSpec:
    """A forecasting model as the registry knows it.

    ``min_length`` is the shortest history (in periods) the model is fitted on (statsforecast's
    AutoETS refuses fewer than 7 points; ARIMA-type fits below 6-8 points are not worth having);
    models that cannot drop their seasonal part need ``seasonal_extra`` seasons plus one
    observation when the frequency has a season. ``select``/``ensemble`` (and ``auto`` on
    intermittent series) need room for the backtest that chooses among candidates as well;
    ``auto`` leaves out the members a smooth series is too short for. ``uses_exog`` marks
    models that take exogenous regressors; ``multivariate`` models are fitted on a system of
    series together; ``native_intervals`` is False for models without a predictive
    distribution (their intervals are always conformal).
    """

    name: str
    engine: EngineName
    min_length: int
    seasonal_extra: int = 0
    uses_exog: bool = False
    multivariate: bool = False
    native_intervals: bool = True
    intermittent: bool = False
    doc: str = ""

    def required_length(self, season_length: int) -> int:
        """Minimum number of observations for this model at the given season length."""
        if season_length > 1 and self.seasonal_extra:
            return max(self.min_length, self.seasonal_extra * season_length + 1)
        return self.min_length


_SPECS = (
    ModelSpec("AutoARIMA", "statsforecast", 6, uses_exog=True, doc="stepwise auto ARIMA"),
    ModelSpec("AutoETS", "statsforecast", 7, doc="exponential smoothing, AICc choice"),
    ModelSpec("AutoTheta", "statsforecast", 4, doc="Theta family, MSE choice"),
    ModelSpec("Theta", "statsforecast", 4, doc="standard Theta method (Assimakopoulos & Nikolopoulos 2000)"),
    ModelSpec(
        "DynamicOptimizedTheta", "statsforecast", 4, doc="dynamic optimised Theta (Fiorucci et al. 2016)"
    ),
    ModelSpec("AutoCES", "statsforecast", 6, doc="complex exponential smoothing, AIC choice"),
    ModelSpec("Naive", "statsforecast", 2, doc="last value"),
    ModelSpec("SeasonalNaive", "statsforecast", 2, seasonal_extra=1, doc="value one season ago"),
    ModelSpec("RandomWalkWithDrift", "statsforecast", 3, doc="last value plus average change"),
    ModelSpec(
        "CrostonClassic", "statsforecast", 3, native_intervals=False, intermittent=True, doc="intermittent"
    ),
    ModelSpec("TSB", "statsforecast", 3, native_intervals=False, intermittent=True, doc="intermittent"),
    ModelSpec("ADIDA", "statsforecast", 3, native_intervals=False, intermittent=True, doc="intermittent"),
    ModelSpec("pmdarima", "pmdarima", 8, seasonal_extra=2, uses_exog=True, doc="pmdarima auto_arima"),
    ModelSpec("SARIMAX", "statsmodels", 8, seasonal_extra=2, uses_exog=True, doc="statsmodels SARIMAX"),
    ModelSpec("VAR", "statsmodels", 10, multivariate=True, doc="vector autoregression"),
    ModelSpec("VECM", "statsmodels", 12, multivariate=True, doc="vector error correction"),
    ModelSpec(
        "auto",
        "meta",
        2,
        doc="calibrated combination (annual: Naive, Theta, DOTM); intermittent series by backtest",
    ),
    ModelSpec("select", "meta", 8, doc="per-series choice by rolling-origin backtest"),
    ModelSpec("ensemble", "meta", 8, doc="equal-weight mean of the best candidates by backtest"),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in _SPECS}
MODEL_NAMES: tuple[str, ...] = tuple(MODELS)


def get_model(name: str) -> ModelSpec:
    """Look up a model by the name a user typed.

    Raises
    ------
    UnknownModelError
        Listing the valid names and the closest matches.

    Examples
    --------
    >>> get_model("AutoETS").engine
    'statsforecast'
    >>> try:
    ...     get_model("autoets")
    ... except UnknownModelError as err:
    ...     print(str(err)[:47])
    unknown model 'autoets' (did you mean 'AutoETS'
    """
    if isinstance(name, str) and name in MODELS:
        return MODELS[name]
    lowered = {n.lower(): n for n in MODEL_NAMES}
    close = difflib.get_close_matches(str(name).lower(), list(lowered), n=3, cutoff=0.5)
    hint = f" (did you mean {describe_items([lowered[c] for c in close])}?)" if close else ""
    raise UnknownModelError(f"unknown model {name!r}{hint}; valid names: {', '.join(MODEL_NAMES)}")


def resolve_models(models: Sequence[str] | str) -> list[ModelSpec]:
    """Turn the ``models`` argument into registry entries, keeping order and dropping repeats.

    Examples
    --------
    >>> [m.name for m in resolve_models(["Naive", "AutoETS", "Naive"])]
    ['Naive', 'AutoETS']
    """
    names = [models] if isinstance(models, str) else list(models)
    if not names:
        raise UnknownModelError(f"no model given; choose from {', '.join(MODEL_NAMES)}")
    specs: list[ModelSpec] = []
    for name in names:
        spec = get_model(name)
        if spec not in specs:
            specs.append(spec)
    return specs


def check_length(
    spec: ModelSpec, lengths: dict[str, int], season_length: int, labels: dict[str, str]
) -> None:
    """Raise ``SeriesTooShortError`` naming the series shorter than ``spec`` needs.

    ``lengths`` maps internal series ids to their number of observations and ``labels``
    maps the same ids to the caller's key values, so the message names the user's series.
    """
    need = spec.required_length(season_length)
    short = [f"{labels[uid]} ({n} obs.)" for uid, n in lengths.items() if n < need]
    if short:
        raise SeriesTooShortError(
            f"model {spec.name} needs at least {need} observations per series"
            f"{' at season length ' + str(season_length) if season_length > 1 else ''};"
            f" {len(short)} series are shorter: {describe_items(short)}. Drop or extend these series,"
            " or choose a model with a lower minimum (Naive needs 2)."
        )

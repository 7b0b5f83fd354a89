"""Adapter over statsforecast (AutoARIMA, AutoETS, Theta family incl. the standard Theta, AutoCES, naive family, intermittent models)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import pandas as pd

from forecasting.errors import EstimationError
from forecasting.timeseries.engines import single_threaded_blas, wide_frame
from forecasting.timeseries.frame import Frequency
from forecasting.timeseries.models import ModelSpec

logger = logging.getLogger(__name__)
# statsforecast announces that it will use Nixtla's hosted services unless told otherwise.
os.environ.setdefault("NIXTLA_ID_AS_COL", "1")

# Croston-type models need smoothing weights; TSB's are the textbook defaults (Teunter et al. 2011).
TSB_ALPHA_DEMAND = 0.1
TSB_ALPHA_PROBABILITY = 0.1
# statsforecast model classes by how they are built: with the season length and the caller's
# options, or with nothing but their alias.
_SEASONAL_WITH_OPTIONS = ("AutoARIMA", "AutoETS", "AutoTheta", "Theta", "DynamicOptimizedTheta", "AutoCES")
_WITHOUT_SETTINGS = ("Naive", "RandomWalkWithDrift", "CrostonClassic", "ADIDA")


def build_model(spec: ModelSpec, season_length: int, options: dict | None = None):
    """A statsforecast model object for ``spec`` (aliases equal our model names)."""
    from statsforecast import models as sf

    options = dict(options or {})
    name = spec.name
    if name in _SEASONAL_WITH_OPTIONS:
        return getattr(sf, name)(season_length=season_length, alias=name, **options)
    if name == "SeasonalNaive":
        return sf.SeasonalNaive(season_length=season_length, alias=name)
    if name in _WITHOUT_SETTINGS:
        return getattr(sf, name)(alias=name)
    if name == "TSB":
        return sf.TSB(
            alpha_d=options.get("alpha_d", TSB_ALPHA_DEMAND),
            alpha_p=options.get("alpha_p", TSB_ALPHA_PROBABILITY),
            alias=name,
        )
    raise EstimationError(f"model {name} is not run by the statsforecast engine")


def forecast(
    data: pd.DataFrame,
    specs: Sequence[ModelSpec],
    *,
    horizon: int,
    levels: list[int],
    freq: Frequency,
    exog_future: pd.DataFrame | None = None,
    n_jobs: int = 1,
    options: dict[str, dict] | None = None,
    intervals: bool = True,
) -> pd.DataFrame:
    """Forecast every series in ``data`` with every model in ``specs``.

    ``data`` may carry exogenous columns beside ``unique_id, ds, y`` (only for models that
    use them); ``exog_future`` then holds their future values. Models without a predictive
    distribution get missing bounds, filled later by conformal intervals; so do all models
    when ``intervals`` is False (point forecasts only).
    """
    from statsforecast import StatsForecast

    options = options or {}
    with_intervals = [s for s in specs if s.native_intervals]
    without = [s for s in specs if not s.native_intervals]
    frames = []
    for group, group_levels in ((with_intervals, levels if intervals else []), (without, [])):
        if not group:
            continue
        models = [build_model(s, freq.season_length, options.get(s.name)) for s in group]
        engine = StatsForecast(models=models, freq=freq.alias, n_jobs=n_jobs)
        try:
            with single_threaded_blas():
                raw = engine.forecast(df=data, h=horizon, X_df=exog_future, level=group_levels or None)
        except Exception as exc:  # the backend's own message is kept, with the models named
            raise EstimationError(
                f"statsforecast failed for models {[s.name for s in group]}: {exc}"
            ) from exc
        frames.append(_to_wide(raw, [s.name for s in group], levels, group_levels))
    return pd.concat(frames, ignore_index=True)


def _to_wide(raw: pd.DataFrame, names: list[str], levels: list[int], available: list[int]) -> pd.DataFrame:
    raw = raw.reset_index() if "unique_id" not in raw.columns else raw
    ids, dates = raw["unique_id"].astype(str).to_numpy(), raw["ds"].to_numpy()
    pieces = []
    for name in names:
        bands = {"mean": raw[name].to_numpy()}
        for level in available:
            bands[f"lower_{level}"] = raw[f"{name}-lo-{level}"].to_numpy()
            bands[f"upper_{level}"] = raw[f"{name}-hi-{level}"].to_numpy()
        pieces.append(wide_frame(ids, dates, name, bands, levels))
    return pd.concat(pieces, ignore_index=True)


def simulate(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    horizon: int,
    n_paths: int,
    seed: int,
    freq: Frequency,
    error_distribution: str = "normal",
    options: dict | None = None,
) -> pd.DataFrame:
    """Sample paths from the fitted model's state-space recursion: ``unique_id, path, ds, value``."""
    from statsforecast import StatsForecast

    model = build_model(spec, freq.season_length, options)
    engine = StatsForecast(models=[model], freq=freq.alias, n_jobs=1)
    try:
        raw = engine.simulate(
            h=horizon, df=data, n_paths=n_paths, seed=seed, error_distribution=error_distribution
        )
    except Exception as exc:
        raise EstimationError(f"statsforecast could not simulate {spec.name}: {exc}") from exc
    raw = raw.reset_index() if "unique_id" not in raw.columns else raw
    return pd.DataFrame(
        {
            "unique_id": raw["unique_id"].astype(str).to_numpy(),
            "path": raw["sample_id"].astype(int).to_numpy(),
            "ds": raw["ds"].to_numpy(),
            "value": raw[spec.name].to_numpy(dtype=float),
        }
    )


def fitted_residuals(data: pd.DataFrame, spec: ModelSpec, *, freq: Frequency) -> pd.DataFrame:
    """In-sample one-step residuals ``unique_id, ds, residual`` (used by MinT reconciliation)."""
    from statsforecast import StatsForecast

    engine = StatsForecast(models=[build_model(spec, freq.season_length)], freq=freq.alias, n_jobs=1)
    engine.forecast(df=data[["unique_id", "ds", "y"]], h=1, fitted=True)
    fitted = engine.forecast_fitted_values()
    fitted = fitted.reset_index() if "unique_id" not in fitted.columns else fitted
    return pd.DataFrame(
        {
            "unique_id": fitted["unique_id"].astype(str).to_numpy(),
            "ds": fitted["ds"].to_numpy(),
            "residual": fitted["y"].to_numpy(dtype=float) - fitted[spec.name].to_numpy(dtype=float),
        }
    )

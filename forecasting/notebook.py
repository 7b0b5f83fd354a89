"""Checks of the notebooks' papermill parameters, in the library's own words.

Each notebook (the tutorials in ``notebooks/`` and the packaged report notebook) calls
:func:`check_parameters` in the cell right after its parameters cell, so a bad ``-p`` value
fails at once with the same message the library gives (``commodity='pharmacy' is not valid
(did you mean 'pharma'?); use one of ...``), not with a ``KeyError`` cells later.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from pathlib import Path

from forecasting.errors import OptionError
from forecasting.validation import check_choice, did_you_mean

__all__ = ["check_parameters", "commodities", "demo_years"]


def commodities() -> tuple[str, ...]:
    """The commodity groups of the demo data and of the outlook (the HS groups and ``'other'``).

    Examples
    --------
    >>> commodities()
    ('textiles', 'pharma', 'coal', 'hydrocarbons', 'buses', 'other')
    """
    from forecasting.classify import DEFAULT_GROUPS

    return (*DEFAULT_GROUPS, "other")


def demo_years() -> tuple[int, int]:
    """The first and last year of the bundled demonstration panel.

    Examples
    --------
    >>> demo_years()
    (2000, 2025)
    """
    import pandas as pd

    from forecasting.data.bundled import bundled_path

    years = pd.read_parquet(bundled_path("demo_flows", verify=False), columns=["period"]).period.dt.year
    return int(years.min()), int(years.max())


def _whole(name: str, value: object, *, at_least: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptionError(f"{name}={value!r}: give a whole number, e.g. -p {name} 100")
    if at_least is not None and value < at_least:
        raise OptionError(f"{name}={value!r}: give a whole number of at least {at_least}")


def _draws(value: object) -> None:
    from forecasting.projection.settings import check_draws

    check_draws(value)  # type: ignore[arg-type]


def _horizon(value: object) -> None:
    from forecasting.projection.settings import check_horizon

    check_horizon(value, demo_years()[1])  # type: ignore[arg-type]


def _first_year(value: object) -> None:
    first, last = demo_years()
    _whole("first_year", value)
    if not first <= value <= last - 2:  # type: ignore[operator]
        raise OptionError(
            f"first_year={value!r}: the demo panel runs {first}-{last}; give a year from {first}"
            f" to {last - 2} (at least three years of data)"
        )


def _commodity(value: object) -> None:
    check_choice("commodity", value, commodities(), error=OptionError)


def _scenario_name(value: object) -> None:
    from forecasting.scenarios import builtin_corridors

    check_choice("scenario_name", value, tuple(builtin_corridors()), error=OptionError)


def _elasticity(value: object) -> None:
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not real or not math.isfinite(value) or value >= 0:  # type: ignore[arg-type]
        raise OptionError(
            f"elasticity={value!r}: the trade elasticity (1 - sigma) is a negative number, e.g. -4.0"
        )


def _pair(value: object) -> None:
    from forecasting.data import load_country_facts

    known = tuple(load_country_facts().iso3)
    if not isinstance(value, (list, tuple)) or len(value) != 2 or value[0] == value[1]:
        raise OptionError(f"pair={value!r}: give two different ISO3 codes, e.g. ('KAZ', 'PAK')")
    for code in value:
        check_choice("pair", code, known, error=OptionError)


def _text(name: str) -> Callable[[object], None]:
    def check(value: object) -> None:
        if not isinstance(value, (str, Path)) or not str(value).strip():
            raise OptionError(f"{name}={value!r}: give a non-empty text")

    return check


def _artefacts_dir(value: object) -> None:
    from forecasting.report.manifest import is_report_directory

    _text("artefacts_dir")(value)
    if not is_report_directory(Path(str(value))):
        raise OptionError(
            f"artefacts_dir={str(value)!r} is not a folder written by forecasting.report.write_artefacts"
            " (no manifest.json of this package there); give the --out folder of an outlook run"
        )


_CHECKS: dict[str, Callable[[object], None]] = {
    "draws": _draws,
    "ge_draws": lambda v: _whole("ge_draws", v, at_least=1),
    "horizon": _horizon,
    "seed": lambda v: _whole("seed", v, at_least=0),
    "first_year": _first_year,
    "commodity": _commodity,
    "scenario_name": _scenario_name,
    "elasticity": _elasticity,
    "pair": _pair,
    "shared_data": _text("shared_data"),
    "artefacts_dir": _artefacts_dir,
    "title": _text("title"),
}


def check_parameters(**values: object) -> None:
    """Refuse a notebook parameter that the library would refuse (or trip over) later.

    Raises :class:`~forecasting.errors.OptionError` naming the parameter, the value given
    and the valid values; a parameter name this module does not know is refused too.

    Examples
    --------
    >>> check_parameters(commodity="pharma", draws=300, horizon=2035)
    >>> check_parameters(commodity="pharmacy")
    Traceback (most recent call last):
    ...
    forecasting.errors.OptionError: commodity='pharmacy' is not valid (did you mean 'pharma'?); use one of 'textiles', 'pharma', 'coal', 'hydrocarbons', 'buses', 'other'
    """
    for name, value in values.items():
        check = _CHECKS.get(name)
        if check is None:
            raise OptionError(
                f"{name!r} is not a notebook parameter{did_you_mean(name, _CHECKS)};"
                f" known: {', '.join(_CHECKS)}"
            )
        check(value)

"""Recover fixed-effect values from a fitted linear predictor, and normalise them.

After estimation, each kept row's linear predictor minus ``x'b`` and the offset is the sum
of its fixed effects. Alternating projections split that sum exactly (to ~1e-12) into one
value per level; the split is unique only up to constants shifted between dimensions, so
a normalisation is chosen: by default the first level of every dimension but the first is
0 (as fixest does). For gravity work two more are offered: the reference importer's
effect is 0 in every year (the GE numeraire), and every domestic pair effect is 0 (the
intra-national trade cost is the unit, as in Yotov et al. 2016, ch. 2), with half of each
country's domestic effect moved to its exporter and half to its importer effects.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.errors import ConvergenceError, UnknownCodeError, describe_items

logger = logging.getLogger(__name__)

EXPORTER_TERMS = ("exporter", "exp_year", "exporter^year")
IMPORTER_TERMS = ("importer", "imp_year", "importer^year")
PAIR_TERMS = ("pair", "exporter^importer")


def decompose(
    total: np.ndarray, codes: Sequence[np.ndarray], *, tol: float = 1e-11, maxiter: int = 200_000
) -> list[np.ndarray]:
    """Split ``total`` into per-level values whose sum over dimensions reproduces it.

    Examples
    --------
    >>> import numpy as np
    >>> a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> parts = decompose(np.array([1.0, 3.0, 2.0, 4.0]), [a, b])
    >>> bool(np.allclose(parts[0][a] + parts[1][b], [1.0, 3.0, 2.0, 4.0]))
    True
    """
    values = [np.zeros(int(c.max()) + 1 if len(c) else 0) for c in codes]
    counts = [np.bincount(c, minlength=len(v)).astype(float) for c, v in zip(codes, values, strict=True)]
    residual = np.asarray(total, dtype=float).copy()
    scale = 1.0 + float(np.max(np.abs(residual))) if len(residual) else 1.0
    for _ in range(maxiter):
        for k, code in enumerate(codes):
            step = np.bincount(code, weights=residual, minlength=len(values[k])) / counts[k]
            values[k] += step
            residual -= step[code]
        if not len(residual) or np.max(np.abs(residual)) < tol * scale:
            return _reference_first_levels(values)
    raise ConvergenceError(
        f"recovering fixed effects did not converge in {maxiter} sweeps (largest gap"
        f" {np.max(np.abs(residual)):.2e}); the fixed effects may be poorly connected"
    )


def _reference_first_levels(values: list[np.ndarray]) -> list[np.ndarray]:
    # Every row has one level in each dimension, so moving a constant from dimension k to
    # dimension 0 leaves every row's sum unchanged.
    for k in range(1, len(values)):
        if len(values[k]):
            shift = values[k][0]
            values[k] = values[k] - shift
            values[0] = values[0] + shift
    return values


def _split_label(label: str) -> tuple[str, str]:
    for sep in ("^", "_"):
        if sep in label:
            country, _, rest = label.rpartition(sep) if sep == "_" else label.partition(sep)
            return country, rest
    return label, ""


def normalise_to_reference(frame: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Shift exporter and importer effects so the reference importer's effect is 0 (per year).

    ``frame`` is a tidy ``fe, level, estimate`` table. For yearly effects (``exp_year``,
    ``imp_year``) the shift is made year by year; each row's sum is unchanged.
    """
    exp_term = next((t for t in frame["fe"].unique() if t in EXPORTER_TERMS), None)
    imp_term = next((t for t in frame["fe"].unique() if t in IMPORTER_TERMS), None)
    if exp_term is None or imp_term is None:
        raise UnknownCodeError(
            "a reference importer needs exporter and importer fixed effects named one of"
            f" {EXPORTER_TERMS} and {IMPORTER_TERMS}; the model has {describe_items(frame['fe'].unique())}"
        )
    out = frame.copy()
    is_imp = out["fe"] == imp_term
    is_exp = out["fe"] == exp_term
    imp_parts = out.loc[is_imp, "level"].map(_split_label)
    exp_parts = out.loc[is_exp, "level"].map(_split_label)
    imp_country = imp_parts.map(lambda p: p[0])
    imp_period = imp_parts.map(lambda p: p[1])
    exp_period = exp_parts.map(lambda p: p[1])
    ref_rows = out.loc[is_imp][imp_country == reference]
    if ref_rows.empty:
        raise UnknownCodeError(
            f"reference importer {reference!r} has no {imp_term} effect in this model; choose one of"
            f" {describe_items(sorted(imp_country.unique()))}"
        )
    shift = pd.Series(ref_rows["estimate"].to_numpy(), index=imp_period[imp_country == reference].to_numpy())
    missing_periods = sorted(set(imp_period) - set(shift.index))
    if missing_periods:
        raise UnknownCodeError(
            f"reference importer {reference!r} is absent in periods {describe_items(missing_periods)};"
            " choose an importer present in every year"
        )
    out.loc[is_imp, "estimate"] = out.loc[is_imp, "estimate"].to_numpy() - shift.loc[imp_period].to_numpy()
    out.loc[is_exp, "estimate"] = (
        out.loc[is_exp, "estimate"].to_numpy() + shift.reindex(exp_period).to_numpy()
    )
    return out


def normalise_domestic(frame: pd.DataFrame) -> pd.DataFrame:
    """Shift effects so every domestic pair effect (``KAZ_KAZ``) is 0, leaving each row's sum unchanged.

    With ``g`` the domestic effect of country ``i``, ``g / 2`` moves to every exporter effect
    of ``i`` and ``g / 2`` to every importer effect of ``i``; a pair ``i, j`` gives up
    ``(g_i + g_j) / 2``, which keeps symmetric pair effects symmetric.

    Examples
    --------
    >>> import pandas as pd
    >>> fe = pd.DataFrame({"fe": ["exporter", "exporter", "importer", "importer", "pair", "pair", "pair"],
    ...     "level": ["A", "B", "A", "B", "A_A", "B_B", "A_B"], "estimate": [1.0, 2.0, 0.0, 0.5, 0.4, 0.2, -1.0]})
    >>> normalise_domestic(fe)["estimate"].round(2).tolist()
    [1.2, 2.1, 0.2, 0.6, 0.0, 0.0, -1.3]
    """
    terms = set(frame["fe"])
    pair_term = next((t for t in PAIR_TERMS if t in terms), None)
    exp_term = next((t for t in EXPORTER_TERMS if t in terms), None)
    imp_term = next((t for t in IMPORTER_TERMS if t in terms), None)
    if pair_term is None or exp_term is None or imp_term is None:
        raise UnknownCodeError(
            "domestic = 0 needs pair effects named one of"
            f" {PAIR_TERMS} beside exporter and importer effects; the model has {describe_items(sorted(terms))}"
        )
    out = frame.copy()
    is_pair = out["fe"] == pair_term
    ends = out.loc[is_pair, "level"].astype(str).str.split(r"[_^]", n=1, regex=True, expand=True)
    domestic = ends[0] == ends[1]
    if not domestic.any():
        raise UnknownCodeError(
            "domestic = 0 needs domestic pairs (levels such as 'KAZ_KAZ'): estimate with intra-national"
            " flows (see gravity.add_intranational)"
        )
    half = pd.Series(
        out.loc[is_pair, "estimate"][domestic].to_numpy() / 2, index=ends[0][domestic].to_numpy()
    )
    share = ends[0].map(half).fillna(0.0) + ends[1].map(half).fillna(0.0)
    out.loc[is_pair, "estimate"] = out.loc[is_pair, "estimate"] - share.to_numpy()
    for term in (exp_term, imp_term):
        rows = out["fe"] == term
        country = out.loc[rows, "level"].astype(str).map(lambda label: _split_label(label)[0])
        out.loc[rows, "estimate"] = out.loc[rows, "estimate"] + country.map(half).fillna(0.0).to_numpy()
    return out


def fe_codes(data: pd.DataFrame, term: str) -> np.ndarray:
    """Integer codes of a fixed-effect term (a column, or ``a^b`` combining columns)."""
    return pd.factorize(fe_labels(data, term))[0]


def fe_labels(data: pd.DataFrame, term: str) -> pd.Series:
    """Labels of a fixed-effect term: the column itself, or ``"a-level^b-level"`` strings for ``a^b``."""
    parts = term.split("^")
    if len(parts) == 1:
        return data[term].reset_index(drop=True)
    labels = data[parts[0]].astype(str)
    for part in parts[1:]:
        labels = labels + "^" + data[part].astype(str)
    return labels.reset_index(drop=True)

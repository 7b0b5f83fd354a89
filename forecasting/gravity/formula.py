"""Formulas in the fixest style, and the fixed-effect presets of structural gravity.

A formula reads ``"trade ~ ln_dist + rta | exp_year + imp_year + pair"``: the outcome,
the regressors, and after ``|`` the fixed effects (column names, or ``a^b`` for the
combination of two columns). Presets build the usual gravity fixed effects from the
``exporter``, ``importer`` and ``year`` columns so that users need not make them by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError
from forecasting.schema import require_columns
from forecasting.validation import check_choice

FEPreset = Literal["structural", "exporter_importer_year", "exporter_importer", "pair"]
PairKind = Literal["directional", "symmetric"]

FE_PRESETS: dict[str, tuple[str, ...]] = {
    "structural": ("exp_year", "imp_year", "pair"),
    "exporter_importer_year": ("exp_year", "imp_year"),
    "exporter_importer": ("exporter", "importer"),
    "pair": ("pair",),
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class ParsedFormula:
    """The three parts of a fixest-style formula."""

    outcome: str
    regressors: str
    fixed_effects: tuple[str, ...]

    @property
    def text(self) -> str:
        """The formula written back in fixest syntax."""
        fe = f" | {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        return f"{self.outcome} ~ {self.regressors}{fe}"

    def columns(self, available: pd.Index) -> list[str]:
        """Names of ``available`` columns the formula refers to (for missing-value reports)."""
        tokens = set(_IDENTIFIER.findall(f"{self.outcome} {self.regressors}"))
        for fe in self.fixed_effects:
            tokens.update(fe.split("^"))
        return [c for c in available if c in tokens]


def parse_formula(formula: str) -> ParsedFormula:
    """Split a fixest-style formula into outcome, regressors and fixed effects.

    Examples
    --------
    >>> parse_formula("trade ~ ln_dist + rta | exp_year + imp_year").fixed_effects
    ('exp_year', 'imp_year')
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SchemaError(
            f"formula {formula!r} must have exactly one '~', as in 'trade ~ ln_dist + rta | exp_year + imp_year'"
        )
    lhs, rhs = (part.strip() for part in formula.split("~"))
    parts = [p.strip() for p in rhs.split("|")]
    if len(parts) > 2:
        raise SchemaError(
            f"formula {formula!r} has more than one '|'; instrumental-variable formulas are not supported here"
        )
    regressors = parts[0] or "1"
    fixed = (
        tuple(t.strip() for t in parts[1].split("+")) if len(parts) == 2 and parts[1] not in ("", "0") else ()
    )
    if not lhs:
        raise SchemaError(f"formula {formula!r} names no outcome left of '~'")
    return ParsedFormula(lhs, regressors, tuple(t for t in fixed if t))


def add_preset_effects(
    data: pd.DataFrame, preset: FEPreset, *, pairs: PairKind = "directional"
) -> pd.DataFrame:
    """Return a copy of a gravity panel with the identifier columns a preset needs.

    ``exp_year`` and ``imp_year`` join country and year (``"KAZ_2019"``). ``pair`` is
    ``"KAZ_PAK"``; with ``pairs="symmetric"`` both directions share one id (``"KAZ_PAK"``
    for KAZ->PAK and PAK->KAZ), which pools the two directions' unobserved costs, as the
    ``pair_id`` of Yotov et al. (2016) does; directional pairs (the default, ``exp#imp`` in
    ppmlhdfe) give each direction its own effect, absorbing asymmetric costs too.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"exporter": ["KAZ", "PAK"], "importer": ["PAK", "KAZ"], "year": [2019, 2019]})
    >>> add_preset_effects(panel, "structural", pairs="symmetric")["pair"].tolist()
    ['KAZ_PAK', 'KAZ_PAK']
    """
    check_choice("fe", preset, FEPreset)
    check_choice("pairs", pairs, PairKind)
    needed = ["exporter", "importer"] + (["year"] if "year" in preset or preset == "structural" else [])
    require_columns(
        data,
        needed,
        what=f"fe={preset!r} builds its fixed effects from {needed}, but the data",
        fix="rename your columns or write the fixed effects in the formula after '|'",
    )
    out = data.copy()
    exporter = out["exporter"].astype(str)
    importer = out["importer"].astype(str)
    if "year" in needed:
        year = out["year"].astype("Int64").astype(str)
        out["exp_year"] = exporter + "_" + year
        out["imp_year"] = importer + "_" + year
    if "pair" in FE_PRESETS[preset]:
        if pairs == "symmetric":
            first = np.where(exporter <= importer, exporter, importer)
            second = np.where(exporter <= importer, importer, exporter)
            out["pair"] = pd.Series(first, index=out.index) + "_" + pd.Series(second, index=out.index)
        else:
            out["pair"] = exporter + "_" + importer
    return out


def with_preset(formula: str, preset: FEPreset | None) -> ParsedFormula:
    """Parse ``formula`` and append the preset's fixed effects (an error if it already has some)."""
    parsed = parse_formula(formula)
    if preset is None:
        return parsed
    check_choice("fe", preset, FEPreset)
    if parsed.fixed_effects:
        raise SchemaError(
            f"formula {formula!r} already lists fixed effects after '|' and fe={preset!r} adds more;"
            " use one or the other"
        )
    return ParsedFormula(parsed.outcome, parsed.regressors, FE_PRESETS[preset])


GRAVITY_IDS = {
    "exp_year": ("exporter", "year"),
    "imp_year": ("importer", "year"),
    "pair": ("exporter", "importer"),
}


def ensure_gravity_ids(
    data: pd.DataFrame, terms: tuple[str, ...], *, pairs: PairKind = "directional"
) -> pd.DataFrame:
    """Build ``exp_year``, ``imp_year`` and ``pair`` when the formula names them and the data lack them.

    So ``ppml(panel, "value_usd ~ rta | exp_year + imp_year + pair")`` works on a plain
    GRAVITY_PANEL; columns the data already have are used as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "year": [2020]})
    >>> ensure_gravity_ids(panel, ("exp_year", "pair"))[["exp_year", "pair"]].values.tolist()
    [['KAZ_2020', 'KAZ_PAK']]
    """
    wanted = [t for t in terms if t in GRAVITY_IDS and t not in data.columns]
    if not wanted:
        return data
    needed = sorted({c for t in wanted for c in GRAVITY_IDS[t]})
    if any(c not in data.columns for c in needed):
        return data  # let the caller's column check name what is missing
    built = add_preset_effects(data, "structural" if "year" in needed else "pair", pairs=pairs)
    out = data.copy()
    for term in wanted:
        out[term] = built[term]
    return out

"""Mirror reconciliation: the exporter's and the importer's reports of the same flow, side by side.

Every international flow is reported twice: as an export by the exporting country (valued
FOB, at its border) and as an import by the importing country (valued CIF, including
freight and insurance). The two rarely agree. For Kazakhstan and Pakistan they differ by
a factor of four or more in some years (WITS 2009: Kazakhstan reported 15.6 million USD of
exports to Pakistan, Pakistan 2.2 million USD of imports from Kazakhstan), so the toolkit
never merges them silently: :func:`mirror_compare` keeps both reports as columns with the
discrepancy, and :func:`reconcile_mirror` adds a chosen value by a rule stated up front.

The rule
--------
``"importer"`` (default)
    Use the importer's report. Customs agencies record imports more carefully than exports
    (imports are taxed and checked against tariffs and quotas), they name the country of
    origin rather than a first destination, and CIF values are what gravity models are
    usually fitted to (the convention of BACI and most of the structural-gravity literature).
    When the importer did not report, the exporter's FOB value is raised by the CIF/FOB
    margin and the row is flagged ``mirror_filled``.
``"exporter"``
    Use the exporter's report (FOB). Right when the importer is known to under-record, e.g.
    transit trade declared to a third country or goods entering through informal crossings.
    A missing export report is filled with the importer's CIF value lowered by the margin.
``"max"``
    The larger of the two on a CIF basis: a simple guard against under-recording.
``"mean"``
    The average of the two on a CIF basis.
``"quality_weighted"``
    A weighted average on a CIF basis, the weights being each reporter's reliability: user
    scores by country (``quality={"KAZ": 2.0, ...}``), or estimated from the data as the
    inverse mean squared log discrepancy of all flows the country reports, in the spirit of
    the BACI reconciliation (Gaulier and Zignago, 2010, CEPII WP 2010-23).

The CIF/FOB margin (``cif_fob_margin``, 5 % by default, a common round figure; OECD ITIC
estimates vary by route and product) converts between the two valuations:
``CIF = FOB * (1 + margin)``. Chosen values carry their valuation in the ``basis`` column.

Examples
--------
>>> import pandas as pd
>>> rows = [("KAZ", "PAK", "export", 15634.181), ("PAK", "KAZ", "import", 2152.264)]
>>> flows = pd.DataFrame([{"reporter": r, "partner": p, "flow": f, "value_usd": v * 1e3,
...     "period": pd.Timestamp("2009-01-01"), "freq": "A", "commodity": "TOTAL",
...     "classification": "TOTAL", "source": "wits", "flags": ""} for r, p, f, v in rows])
>>> table, dropped = reconcile_mirror(flows, rule="importer")
>>> table[["exporter", "importer", "value_exporter_report", "value_importer_report", "value_usd"]]
  exporter importer  value_exporter_report  value_importer_report  value_usd
0      KAZ      PAK             15634181.0              2152264.0  2152264.0
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Literal, get_args

import numpy as np
import pandas as pd

from forecasting.data.clean._combine import check_flows, first_positions, union_flags
from forecasting.data.clean.accounting import CleanResult, concat_dropped, record_dropped
from forecasting.errors import DataQualityWarning, SchemaError, describe_items
from forecasting.keys import Factorised, key_codes
from forecasting.schema import add_flag
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

MirrorRule = Literal["importer", "exporter", "max", "mean", "quality_weighted"]
#: Reliability scores by country (higher is more reliable) for the ``"quality_weighted"`` rule.
QualityScores = Mapping[str, float] | pd.Series
MIRROR_RULES: tuple[str, ...] = get_args(MirrorRule)
PAIR_KEY = ["exporter", "importer", "period", "freq", "commodity", "classification"]
NOT_COUNTRIES = ("WLD",)
STEP = "mirror_compare"


def check_rule(rule: str) -> str:
    """Validate a mirror rule name, listing the valid spellings when it is wrong.

    Examples
    --------
    >>> check_rule("importer")
    'importer'
    >>> check_rule("imports")
    Traceback (most recent call last):
    ...
    ValueError: rule='imports' is not valid (did you mean 'importer'?); use one of 'importer', 'exporter', 'max', 'mean', 'quality_weighted'
    """
    check_choice("rule", rule, MIRROR_RULES, error=ValueError)
    return rule


def _check_margin(cif_fob_margin: float) -> float:
    if not 0 <= cif_fob_margin < 1:
        raise ValueError(f"cif_fob_margin is a share (0.05 = 5 %), got {cif_fob_margin}")
    return float(cif_fob_margin)


def mirror_compare(flows: pd.DataFrame, *, cif_fob_margin: float = 0.05) -> CleanResult:
    """Pair each export report with the partner's import report of the same flow.

    Returns one row per exporter, importer, period and commodity with both reports
    (``value_exporter_report`` FOB, ``value_importer_report`` CIF), the importer's value on
    a FOB basis, the discrepancy (``discrepancy_usd`` = importer CIF - exporter FOB x (1 +
    margin); ``discrepancy_log`` = log of their ratio), ``reported_by`` (both, exporter,
    importer) and the input row positions of each side. Re-exports and re-imports, world
    totals and self-trade are set aside in ``dropped`` with the reason. Rows are sorted by
    exporter, importer, period, freq, commodity and classification.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "partner": ["PAK", "KAZ"],
    ...     "flow": ["export", "import"], "period": pd.Timestamp("2009-01-01"), "freq": "A",
    ...     "commodity": "TOTAL", "classification": "TOTAL", "value_usd": [100.0, 105.0],
    ...     "source": "demo", "flags": ""})
    >>> table, _ = mirror_compare(f)
    >>> float(table.loc[0, "discrepancy_usd"]), table.loc[0, "reported_by"]
    (0.0, 'both')
    """
    margin = _check_margin(cif_fob_margin)
    codes: Factorised = {}
    data = check_flows(flows, STEP, factorised=codes)
    flow = _in(codes, "flow", ["export"]), _in(codes, "flow", ["import"])
    re_trade = _in(codes, "flow", ["re-export", "re-import"])
    aggregate = _in(codes, "partner", NOT_COUNTRIES) | _in(codes, "reporter", NOT_COUNTRIES)
    self_trade = data["reporter"].to_numpy(dtype=object) == data["partner"].to_numpy(dtype=object)
    dropped = concat_dropped(
        record_dropped(
            data,
            re_trade,
            step=STEP,
            reason="re-exports and re-imports are part of exports and imports in Comtrade data;"
            " comparing them too would count them twice",
        ),
        record_dropped(
            data,
            aggregate & ~re_trade,
            step=STEP,
            reason="reporter or partner is the world aggregate (WLD), which has no mirror report",
        ),
        record_dropped(
            data, self_trade & ~re_trade & ~aggregate, step=STEP, reason="reporter equals partner"
        ),
    )
    kept = ~(re_trade | aggregate | self_trade)
    same = ["reporter", "partner", "flow", "period", "freq", "commodity", "classification"]
    same_flow = key_codes(data, same, factorised=codes)[kept]
    twice = np.bincount(same_flow)[same_flow] > 1 if len(same_flow) else same_flow.astype(bool)
    if twice.any():
        rows = np.flatnonzero(kept)[twice]
        keys = data.iloc[rows][same[:4]].astype(str).agg("/".join, axis=1).unique().tolist()
        raise SchemaError(
            f"{int(twice.sum())} rows report the same flow from several sources (reporter/partner/flow/period:"
            f" {describe_items(keys)}); keep one source per reporter before mirror comparison"
        )
    pairs = _Pairs(codes, kept & flow[0], kept & flow[1])
    columns = pairs.columns(data)
    _warn_classification_mismatch(pairs, columns)
    has_x, has_m = pairs.x_row >= 0, pairs.m_row >= 0
    columns["reported_by"] = np.select([has_x & has_m, has_x], ["both", "exporter"], "importer").astype(
        object
    )
    x, m = columns["value_exporter_report"], columns["value_importer_report"]
    columns["value_importer_fob"] = m / (1 + margin)
    columns["discrepancy_usd"] = m - x * (1 + margin)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = m / (x * (1 + margin))
        columns["discrepancy_log"] = np.log(np.where((x > 0) & (m > 0), ratio, np.nan))
    flags = data["flags"].to_numpy(dtype=object)
    columns["flags"] = _both_flags(pairs.side(flags, "x", ""), pairs.side(flags, "m", ""))
    table = pd.DataFrame(columns, copy=False)  # the arrays are new: no need to copy them into blocks
    return CleanResult(table, dropped)


class _Pairs:
    """Export rows matched with import rows of the same flow, in integer codes.

    A flow is identified by (exporter, importer, period, freq, commodity, classification);
    an export row names it (reporter, partner, ...), an import row (partner, reporter, ...).
    ``x_row``/``m_row`` give, per pair, the input position of each side's row (-1: none);
    pairs are numbered in the sort order of their key, and ``key`` holds each key part as
    integers that sort as the values do.
    """

    def __init__(self, codes: Factorised, exports: np.ndarray, imports: np.ndarray) -> None:
        countries = pd.Index(np.concatenate([codes["reporter"][1], codes["partner"][1]])).unique()
        # both country columns in one numbering whose order is the names' sort order
        ranks = _ranks(countries.to_numpy(dtype=object))
        reporter = ranks[countries.get_indexer(codes["reporter"][1])][codes["reporter"][0]]
        partner = ranks[countries.get_indexer(codes["partner"][1])][codes["partner"][0]]
        rest = [_ranks(codes[name][1])[codes[name][0]] for name in PAIR_KEY[2:]]
        x_rows, m_rows = np.flatnonzero(exports), np.flatnonzero(imports)
        parts = np.stack(
            [
                np.concatenate([reporter[x_rows], partner[m_rows]]),
                np.concatenate([partner[x_rows], reporter[m_rows]]),
                *(np.concatenate([c[x_rows], c[m_rows]]) for c in rest),
            ]
        )
        order = np.lexsort(parts[::-1])  # by the first key part, then the next, ...
        ordered = parts[:, order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)
        pair = np.empty(len(order), dtype=np.int64)
        pair[order] = np.cumsum(new) - 1
        self.x_row = np.full(int(new.sum()), -1, dtype=np.int64)
        self.m_row = self.x_row.copy()
        self.x_row[pair[: len(x_rows)]] = x_rows
        self.m_row[pair[len(x_rows) :]] = m_rows
        self.key = ordered[:, new]

    def side(self, values: np.ndarray, which: str, missing: object = np.nan) -> np.ndarray:
        """One side's ``values`` per pair (``missing`` where that side did not report)."""
        rows = self.x_row if which == "x" else self.m_row
        taken = values[np.maximum(rows, 0)] if len(values) else values[:0]
        return np.where(rows >= 0, taken, missing) if len(rows) else taken

    def columns(self, data: pd.DataFrame) -> dict[str, np.ndarray]:
        """The pairs' key and each side's value, source and input row, as table columns."""
        from_x = self.x_row >= 0
        anchor = np.where(from_x, self.x_row, self.m_row)  # a row that names the pair's key
        reporter = data["reporter"].to_numpy(dtype=object)[anchor]
        partner = data["partner"].to_numpy(dtype=object)[anchor]
        columns: dict[str, np.ndarray] = {
            "exporter": np.where(from_x, reporter, partner),
            "importer": np.where(from_x, partner, reporter),
        }
        for name in PAIR_KEY[2:]:
            columns[name] = data[name].take(anchor).to_numpy()
        values, sources = data["value_usd"].to_numpy(), data["source"].to_numpy(dtype=object)
        for label, which, rows in (("exporter", "x", self.x_row), ("importer", "m", self.m_row)):
            columns[f"value_{label}_report"] = self.side(values, which).astype("float64")
            columns[f"source_{label}_report"] = self.side(sources, which, np.nan).astype(object)
            columns[f"row_{label}_report"] = pd.arrays.IntegerArray(np.maximum(rows, 0), rows < 0)
        return columns


def _in(codes: Factorised, column: str, values: object) -> np.ndarray:
    """Rows whose factorised ``column`` is one of ``values`` (tested once per distinct value)."""
    row_codes, distinct = codes[column]
    return (
        pd.Index(distinct, dtype=object).isin(values)[row_codes] if len(row_codes) else row_codes.astype(bool)
    )


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's position in the sorted values (integers that sort as the values do)."""
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(np.asarray(values), kind="stable")] = np.arange(len(values))
    return ranks


def _both_flags(exporter_flags: np.ndarray, importer_flags: np.ndarray) -> np.ndarray:
    # Most rows have no flags or the same on both sides; only differing ones need a union.
    a, b = exporter_flags, importer_flags
    out = np.where((a == b) | (b == ""), a, b)
    for i in np.flatnonzero((a != b) & (a != "") & (b != "")):
        out[i] = union_flags([a[i], b[i]])
    return out


def _warn_classification_mismatch(pairs: _Pairs, columns: dict[str, np.ndarray]) -> None:
    """Warn about (exporter, importer, period) whose two sides report different classifications."""
    if not len(pairs.x_row):
        return
    widths = pairs.key.max(axis=1) + 1
    trio = (pairs.key[0] * widths[1] + pairs.key[1]) * widths[2] + pairs.key[2]
    trio_id, _ = pd.factorize(trio)
    combo_id, _ = pd.factorize(trio * widths[-1] + pairs.key[-1])
    has_x, has_m = pairs.x_row >= 0, pairs.m_row >= 0
    both_sides = (np.bincount(trio_id, weights=has_x) > 0) & (np.bincount(trio_id, weights=has_m) > 0)
    # a classification one side uses for a trio and the other side does not
    one_side = (np.bincount(combo_id, weights=has_x) > 0) != (np.bincount(combo_id, weights=has_m) > 0)
    combo_first = first_positions(combo_id)
    uneven = np.bincount(trio_id[combo_first], weights=one_side, minlength=len(both_sides)) > 0
    mismatched = np.flatnonzero(both_sides & uneven)
    if len(mismatched):
        first = first_positions(trio_id)[mismatched]
        first = first[np.argsort(trio[first], kind="stable")]  # pairs are listed in key order
        trios = pd.DataFrame({name: columns[name][first] for name in ("exporter", "importer", "period")})
        names = trios.astype(str).to_numpy().tolist()
        warnings.warn(
            f"{len(names)} exporter/importer/period pairs are reported in different classifications by the two"
            f" sides ({describe_items(['/'.join(map(str, k)) for k in names])}); they cannot be matched."
            " Convert both to one HS vintage with convert_hs first.",
            DataQualityWarning,
            stacklevel=3,
        )


def reporter_quality(table: pd.DataFrame) -> pd.Series:
    """Reliability of each country's reports, estimated from a :func:`mirror_compare` table.

    The score is the inverse of the mean squared log discrepancy of the flows a country
    reports (as exporter or importer) where both sides reported a positive value; countries
    without such flows get the median score.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"exporter": ["A", "B"], "importer": ["B", "A"],
    ...                   "discrepancy_log": [0.1, 0.1]})
    >>> reporter_quality(t).round(1).to_dict()
    {'A': 100.0, 'B': 100.0}
    """
    both = table.dropna(subset=["discrepancy_log"])
    squared = pd.concat(
        [
            pd.Series(both["discrepancy_log"].to_numpy() ** 2, index=both["exporter"].to_numpy()),
            pd.Series(both["discrepancy_log"].to_numpy() ** 2, index=both["importer"].to_numpy()),
        ]
    )
    countries = pd.Index(sorted(set(table["exporter"]) | set(table["importer"])))
    msd = squared.groupby(level=0).mean().reindex(countries)
    # A floor on the mean squared discrepancy keeps perfect agreement from getting infinite weight.
    score = pd.Series(1.0 / np.maximum(msd.to_numpy(), 1e-4), index=msd.index)
    return score.fillna(score.median() if score.notna().any() else 1.0)


def reconcile_mirror(
    flows: pd.DataFrame,
    *,
    rule: MirrorRule = "importer",
    cif_fob_margin: float = 0.05,
    quality: QualityScores | None = None,
) -> CleanResult:
    """Mirror-compare ``flows`` and choose one value per flow by ``rule`` (see the module notes).

    Adds ``value_usd`` (the chosen value), ``basis`` (``"CIF"``, or ``"FOB"`` for the
    exporter rule), ``chosen_side`` (importer, exporter, both or none), ``weight_exporter``
    and flags ``mirror_filled`` where the preferred side was missing and the other side's
    report was used. Both original reports stay as columns.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": ["KAZ"], "partner": ["PAK"], "flow": ["export"],
    ...     "period": pd.Timestamp("2009-01-01"), "freq": "A", "commodity": "TOTAL",
    ...     "classification": "TOTAL", "value_usd": [100.0], "source": "demo", "flags": ""})
    >>> t, _ = reconcile_mirror(f, rule="importer")
    >>> round(float(t.loc[0, "value_usd"]), 6), t.loc[0, "flags"]
    (105.0, 'mirror_filled')
    """
    check_rule(rule)
    margin = _check_margin(cif_fob_margin)
    table, dropped = mirror_compare(flows, cif_fob_margin=margin)
    x_cif = table["value_exporter_report"] * (1 + margin)
    m_cif = table["value_importer_report"]
    has_x, has_m = x_cif.notna(), m_cif.notna()
    weight_x = _exporter_weight(table, rule, quality)
    if rule == "exporter":
        value: pd.Series | np.ndarray = table["value_exporter_report"].where(
            has_x, table["value_importer_fob"]
        )
        chosen = np.where(has_x, "exporter", np.where(has_m, "importer", "none"))
        filled = ~has_x & has_m
    else:
        if rule == "importer":
            both_value: pd.Series | np.ndarray = m_cif
            both_side: np.ndarray = np.full(len(table), "importer", dtype=object)
        elif rule == "max":
            both_value = np.maximum(x_cif, m_cif)
            both_side = np.where(x_cif > m_cif, "exporter", "importer")
        else:
            both_value = weight_x * x_cif + (1 - weight_x) * m_cif
            both_side = np.full(len(table), "both", dtype=object)
        value = np.where(has_x & has_m, both_value, np.where(has_m, m_cif, x_cif))
        chosen = np.where(
            has_x & has_m, both_side, np.where(has_m, "importer", np.where(has_x, "exporter", "none"))
        )
        # Under the importer rule an import-only flow is not filled: the preferred side is there.
        filled = (has_x & ~has_m) if rule == "importer" else (has_x ^ has_m)
    table["value_usd"] = np.asarray(value, dtype="float64")
    table["basis"] = "FOB" if rule == "exporter" else "CIF"
    table["chosen_side"] = np.asarray(chosen, dtype=object)
    table["weight_exporter"] = np.asarray(weight_x, dtype="float64")
    table["flags"] = add_flag(table["flags"], "mirror_filled", np.asarray(filled, dtype=bool))
    logger.info(
        "mirror rule %s: %d flows, %d filled from the other side", rule, len(table), int(np.sum(filled))
    )
    return CleanResult(table, dropped)


def _exporter_weight(table: pd.DataFrame, rule: str, quality: QualityScores | None) -> pd.Series:
    if rule == "mean":
        return pd.Series(0.5, index=table.index)
    if rule != "quality_weighted":
        fixed = {"importer": 0.0, "exporter": 1.0}.get(rule, np.nan)
        return pd.Series(fixed, index=table.index)
    if quality is None:
        scores = reporter_quality(table)
    else:
        scores = pd.Series(quality, dtype="float64")
        unknown = sorted((set(table["exporter"]) | set(table["importer"])) - set(scores.index))
        if unknown or (scores <= 0).any():
            raise ValueError(
                f"quality needs a positive score for every country; missing {describe_items(unknown)}"
                if unknown
                else "quality scores must be positive"
            )
    qx = table["exporter"].map(scores)
    qm = table["importer"].map(scores)
    return qx / (qx + qm)


def mirror_summary(table: pd.DataFrame, *, by: tuple[str, ...] = ("exporter", "importer")) -> pd.DataFrame:
    """Totals of both reports and their gap, by ``by`` (default: by pair), from a mirror table.

    ``ratio_importer_to_exporter`` compares the importer's report, brought to FOB, with the
    exporter's, over the flows both sides reported (1.0 means agreement).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"exporter": ["KAZ"], "importer": ["PAK"], "value_exporter_report": [100.0],
    ...     "value_importer_report": [21.0], "value_importer_fob": [20.0],
    ...     "discrepancy_usd": [-84.0], "reported_by": ["both"]})
    >>> mirror_summary(t)[["flows", "ratio_importer_to_exporter"]].to_dict("records")
    [{'flows': 1, 'ratio_importer_to_exporter': 0.2}]
    """
    work = table.assign(
        _both=table["reported_by"] == "both",
        _x_only=table["reported_by"] == "exporter",
        _m_only=table["reported_by"] == "importer",
    )
    work["_x_both"] = work["value_exporter_report"].where(work["_both"])
    work["_m_fob_both"] = work["value_importer_fob"].where(work["_both"])
    grouped = work.groupby(list(by), dropna=False)
    out = grouped[["_both", "_x_only", "_m_only"]].sum().astype("int64")
    out.columns = ["both_reported", "exporter_only", "importer_only"]
    out.insert(0, "flows", grouped.size())
    sums = grouped[["value_exporter_report", "value_importer_report", "discrepancy_usd"]].sum(min_count=1)
    out[["exporter_report_usd", "importer_report_usd", "discrepancy_usd"]] = sums.to_numpy()
    both = grouped[["_x_both", "_m_fob_both"]].sum()
    out["ratio_importer_to_exporter"] = (
        both["_m_fob_both"] / both["_x_both"].where(both["_x_both"] > 0)
    ).round(12)
    return out.reset_index()

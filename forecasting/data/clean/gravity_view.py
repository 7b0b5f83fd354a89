"""From the customs view (reporter/partner/flow) to the gravity view (exporter/importer).

This is the one documented place where the toolkit turns FLOWS into a GRAVITY_PANEL. It
pairs both countries' reports of every flow (:func:`~forecasting.data.clean.mirror.mirror_compare`),
picks one value by the mirror rule the caller trusts (importer reports by default; see
:mod:`forecasting.data.clean.mirror` for why), and records that choice on every row: the
flag ``mirror_<rule>``, the ``chosen_side`` and ``basis`` columns, and both original reports.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from forecasting.data.clean.accounting import CleanResult, concat_dropped, record_dropped
from forecasting.data.clean.mirror import MirrorRule, QualityScores, check_rule, reconcile_mirror
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import add_flag

logger = logging.getLogger(__name__)

STEP = "to_gravity"
GRAVITY_EXTRA = (
    "classification",
    "value_exporter_report",
    "value_importer_report",
    "discrepancy_usd",
    "chosen_side",
    "basis",
)


def to_gravity(
    flows: pd.DataFrame,
    *,
    trust: MirrorRule = "importer",
    cif_fob_margin: float = 0.05,
    quality: QualityScores | None = None,
) -> CleanResult:
    """Turn annual FLOWS into a GRAVITY_PANEL, trusting one side's reports by ``trust``.

    Parameters
    ----------
    flows
        An annual FLOWS table (``freq == "A"``); aggregate monthly data with
        :func:`forecasting.data.clean.aggregate.to_frequency` first.
    trust
        Mirror rule: ``"importer"``, ``"exporter"``, ``"max"``, ``"mean"`` or
        ``"quality_weighted"``.
    cif_fob_margin
        CIF/FOB margin used to put the two valuations on one basis.
    quality
        Reliability scores by country for ``"quality_weighted"`` (estimated when None).

    Returns
    -------
    CleanResult
        ``(panel, dropped)``. The panel has ``exporter, importer, year, commodity,
        value_usd, flags`` plus the two reports, the discrepancy, ``chosen_side`` and
        ``basis``. Flows neither side reported a value for are set aside in ``dropped``
        (their input rows, with the reason), since a gravity panel needs a value; zeros stay.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": ["KAZ", "PAK"], "partner": ["PAK", "KAZ"],
    ...     "flow": ["export", "import"], "period": pd.Timestamp("2009-01-01"), "freq": "A",
    ...     "commodity": "TOTAL", "classification": "TOTAL", "value_usd": [15634181.0, 2152264.0],
    ...     "source": "wits", "flags": ""})
    >>> panel, dropped = to_gravity(f, trust="exporter")
    >>> panel[["exporter", "importer", "year", "value_usd", "flags"]].to_dict("records")
    [{'exporter': 'KAZ', 'importer': 'PAK', 'year': 2009, 'value_usd': 15634181.0, 'flags': 'mirror_exporter'}]
    """
    check_rule(trust)
    not_annual = flows["freq"] != "A" if "freq" in flows.columns else pd.Series(False, index=flows.index)
    if not_annual.any():
        kinds = sorted(flows.loc[not_annual, "freq"].astype(str).unique())
        raise SchemaError(
            f"to_gravity needs annual flows but {int(not_annual.sum())} rows have freq {describe_items(kinds)};"
            " aggregate them first with to_frequency(flows, 'A')"
        )
    table, dropped = reconcile_mirror(flows, rule=trust, cif_fob_margin=cif_fob_margin, quality=quality)
    no_value = table["value_usd"].isna().to_numpy()
    lost_rows = np.zeros(len(flows), dtype=bool)
    for side in ("row_exporter_report", "row_importer_report"):
        positions = table.loc[no_value, side].dropna().astype("int64").to_numpy()
        lost_rows[positions] = True
    unreported = record_dropped(
        flows.reset_index(drop=True),
        lost_rows,
        step=STEP,
        reason="neither the exporter nor the importer reported a value for this flow (missing, not zero)",
    )
    panel = table.loc[~no_value].reset_index(drop=True)
    panel["year"] = pd.to_datetime(panel["period"]).dt.year.astype("int64")
    panel["flags"] = add_flag(panel["flags"], f"mirror_{trust}")
    columns = ["exporter", "importer", "year", "commodity", "value_usd", "flags", *GRAVITY_EXTRA]
    logger.info(
        "to_gravity (trust=%s): %d panel rows, %d flows without a value",
        trust,
        len(panel),
        int(no_value.sum()),
    )
    return CleanResult(panel[columns], concat_dropped(dropped, unreported))

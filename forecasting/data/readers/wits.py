"""World Bank WITS trade downloads (one row per reporter, partner, product, year and flow).

WITS writes ISO3 codes of its own for a few entities (ROM, ZAR, TMP, SER, MNT) and for
aggregates (WLD world, EUN European Union, OAS other Asia nes, UNS unspecified); they go
through :mod:`forecasting.classify.countries`. Values are in thousands of US dollars when
the column says so ("TradeValue in 1000 USD") and are converted to dollars.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Unpack

import pandas as pd

from forecasting.data.readers._cells import countries, map_codes, pad_hs, resolve_vintages, to_number
from forecasting.data.readers._columns import find_columns
from forecasting.data.readers._lines import line_numbers
from forecasting.data.readers._table import finish, pair_flags
from forecasting.data.readers.detect import TextOptions, read_table, text_options
from forecasting.errors import ReaderError

logger = logging.getLogger(__name__)

_FIELDS: dict[str, tuple[str, ...]] = {
    "nomenclature": ("Nomenclature",),
    "reporter": ("ReporterISO3", "Reporter ISO3", "Reporter ISO"),
    "partner": ("PartnerISO3", "Partner ISO3", "Partner ISO"),
    "product": ("ProductCode", "Product Code", "Product"),
    "year": ("Year",),
    "flow_name": ("TradeFlowName", "Trade Flow"),
    "flow_code": ("TradeFlowCode", "Trade Flow Code"),
    "value_thousand": ("TradeValue in 1000 USD", "Trade Value 1000USD", "TradeValue 1000 USD"),
    "value_usd": ("TradeValue in USD", "Trade Value USD"),
    "quantity": ("Quantity",),
    "quantity_unit": ("QuantityToken", "Quantity Unit"),
}
_FLOW_NAMES = {
    "export": "export",
    "gross exp.": "export",
    "import": "import",
    "gross imp.": "import",
    "re-export": "re-export",
    "re-import": "re-import",
}
_FLOW_CODES = {"5": "import", "6": "export"}


def read_wits(
    path: str | Path,
    *,
    classification: str | None = None,
    **text: Unpack[TextOptions],
) -> pd.DataFrame:
    """Read a WITS trade CSV into FLOWS; the product "Total" becomes commodity ``TOTAL``.

    Parameters
    ----------
    path
        The CSV (WITS writes semicolons or commas; detected).
    classification
        HS vintage of product-level rows when the Nomenclature column does not give it.
    **text
        ``encoding``, ``sep``, ``thousands``, ``decimal`` (:class:`~forecasting.data.readers.detect.TextOptions`):
        declare what detection cannot tell.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "wits.csv"
    >>> _ = p.write_text("Nomenclature;ReporterISO3;ProductCode;ReporterName;PartnerISO3;PartnerName;"
    ...                  "Year;TradeFlowName;TradeFlowCode;TradeValue in 1000 USD\\n"
    ...                  "NC;KAZ; Total;Kazakhstan;PAK;Pakistan;2009;Export;6;15634.181\\n")
    >>> read_wits(p)[["reporter", "partner", "flow", "commodity", "value_usd"]].values.tolist()
    [['KAZ', 'PAK', 'export', 'TOTAL', 15634181.0]]
    """
    path = Path(path)
    raw, _ = read_table(path, **text_options(text, reader="read_wits"))
    cols = find_columns(raw.columns, _FIELDS, path=path, required=["reporter", "partner", "product", "year"])
    if "value_thousand" not in cols and "value_usd" not in cols:
        raise ReaderError(
            f"{path}: no trade value column ('TradeValue in 1000 USD'); the file has {list(raw.columns)}"
        )
    if "flow_name" not in cols and "flow_code" not in cols:
        raise ReaderError(f"{path}: no trade flow column (TradeFlowName or TradeFlowCode)")

    out = pd.DataFrame(index=raw.index)
    out["reporter"], reporter_flags = countries(
        raw[cols["reporter"]], scheme="iso3", path=path, role="reporter"
    )
    out["partner"], partner_flags = countries(raw[cols["partner"]], scheme="iso3", path=path, role="partner")
    if "flow_name" in cols:
        key, table = raw[cols["flow_name"]].astype("string").str.strip().str.lower(), _FLOW_NAMES
    else:
        key, table = raw[cols["flow_code"]].astype("string").str.strip(), _FLOW_CODES
    out["flow"] = map_codes(
        key, table, path=path, what="trade flows", expected="Export, Import, Re-Export or Re-Import"
    )
    year = raw[cols["year"]].astype("string").str.strip()
    period = pd.to_datetime(
        year.where(year.str.fullmatch(r"\d{4}").fillna(False)) + "-01-01", errors="coerce"
    )
    bad_year = period.isna() | ~period.dt.year.between(1900, 2100)
    if bad_year.any():
        raise ReaderError(f"{path}: Year is not a four-digit year (1900-2100) on {line_numbers(bad_year)}")
    out["period"] = period
    out["freq"] = "A"
    out["commodity"] = pad_hs(raw[cols["product"]], path=path)
    out["classification"] = _classification(raw, cols, out["commodity"], classification, path)
    if "value_thousand" in cols:
        out["value_usd"] = (
            to_number(raw[cols["value_thousand"]], what=cols["value_thousand"], path=path) * 1000.0
        )
        logger.info("%s: '%s' is in thousands of USD; multiplied by 1000", path.name, cols["value_thousand"])
    else:
        out["value_usd"] = to_number(raw[cols["value_usd"]], what=cols["value_usd"], path=path)
    if "quantity" in cols:
        out["quantity"] = to_number(raw[cols["quantity"]], what="Quantity", path=path)
        if "quantity_unit" in cols:
            out["quantity_unit"] = (
                raw[cols["quantity_unit"]].astype(object).where(out["quantity"].notna(), None)
            )
    out["flags"] = pair_flags(reporter_flags, partner_flags).to_numpy()
    logger.info("%s: read %d WITS rows", path.name, len(out))
    return finish(out, source="wits", path=path)


def _classification(
    raw: pd.DataFrame, cols: dict[str, str], commodity: pd.Series, declared: str | None, path: Path
) -> pd.Series:
    if "nomenclature" in cols:
        nomenclature = raw[cols["nomenclature"]].astype("string").str.strip().str.upper()
    else:
        nomenclature = pd.Series(pd.NA, index=raw.index, dtype="string")
    return resolve_vintages(nomenclature, commodity, declared, path=path, what="nomenclature")

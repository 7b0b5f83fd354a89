"""UN Comtrade: the current API's JSON, the CSV its website and bulk files produce, and legacy CSV.

The current API (comtradeapi.un.org, "Comtrade+") names fields in camelCase (``reporterCode``,
``flowCode``, ``primaryValue``); its website and bulk CSV use the same names, sometimes
capitalised. The legacy site (comtrade.un.org, before 2023) used spaced names
("Reporter Code", "Trade Flow", "Trade Value (US$)"). Columns are matched case- and
punctuation-blind, so one reader covers all three.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal, Unpack

import numpy as np
import pandas as pd

from forecasting.data.readers._cells import countries, map_codes, pad_hs, resolve_vintages, to_number
from forecasting.data.readers._columns import find_columns
from forecasting.data.readers._lines import Locate, file_lines
from forecasting.data.readers._table import finish, flag_where, pair_flags
from forecasting.data.readers.detect import EmptySourceError, TextOptions, read_table, text_options
from forecasting.errors import ReaderError, describe_items
from forecasting.schema import FLOW_KINDS, FLOWS
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

ComtradeFormat = Literal["auto", "json", "csv"]

_FIELDS: dict[str, tuple[str, ...]] = {
    "freq": ("freqCode",),
    "period": ("period",),
    "year": ("refYear", "Year"),
    "reporter_code": ("reporterCode", "Reporter Code"),
    "reporter_iso": ("reporterISO", "Reporter ISO"),
    "reporter_name": ("reporterDesc", "Reporter"),
    "partner_code": ("partnerCode", "Partner Code"),
    "partner_iso": ("partnerISO", "Partner ISO"),
    "partner_name": ("partnerDesc", "Partner"),
    "flow_code": ("flowCode", "Trade Flow Code"),
    "flow_name": ("flowDesc", "Trade Flow"),
    "classification": ("classificationCode", "Classification"),
    "commodity": ("cmdCode", "Commodity Code"),
    "value": ("primaryValue", "Trade Value (US$)"),
    "qty": ("qty", "Qty"),
    "qty_unit": ("qtyUnitAbbr", "Qty Unit"),
    "qty_unit_code": ("qtyUnitCode", "Qty Unit Code"),
    "qty_estimated": ("isQtyEstimated",),
    "net_weight": ("netWgt", "Netweight (kg)"),
    "cif": ("cifvalue",),
    "fob": ("fobvalue",),
    "estimation": ("legacyEstimationFlag", "Flag"),
    "mot": ("motCode",),
    "customs": ("customsCode",),
    "partner2": ("partner2Code",),
}
# Comtrade flow codes (current letters, legacy numbers) and printed names.
_FLOWS: dict[str, str] = {
    "X": "export",
    "M": "import",
    "RX": "re-export",
    "RM": "re-import",
    "1": "import",
    "2": "export",
    "3": "re-export",
    "4": "re-import",
    "EXPORT": "export",
    "IMPORT": "import",
    "RE-EXPORT": "re-export",
    "RE-IMPORT": "re-import",
}
# Country columns in order of preference, and how each codes countries.
_COUNTRY_SCHEMES = (("code", "m49"), ("iso", "iso3"), ("name", "name"))
# Breakdown fields and the value that means "all" (the total row).
_BREAKDOWNS = {"mot": "0", "customs": "C00", "partner2": "0"}


def _load_json(path: Path) -> pd.DataFrame:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ReaderError(f"{path}: JSON must be UTF-8 ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ReaderError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(payload, dict):
        if payload.get("error"):
            raise ReaderError(f"{path}: the Comtrade API returned an error: {payload['error']}")
        records = payload.get("data")
        if not isinstance(records, list):
            raise ReaderError(
                f"{path}: expected a 'data' list in the Comtrade JSON, found {type(records).__name__}"
            )
        count = payload.get("count")
        if isinstance(count, int) and count != len(records):
            raise ReaderError(
                f"{path}: the file says count={count} but holds {len(records)} records; it was cut short —"
                " download it again"
            )
    elif isinstance(payload, list):
        records = payload
    else:
        raise ReaderError(f"{path}: expected a JSON object with 'data' or a list of records")
    if not all(isinstance(r, dict) for r in records):
        raise ReaderError(f"{path}: every element of 'data' must be an object (one record)")
    if not records:
        raise EmptySourceError(
            f"{path}: holds no records ('data' is empty): the query matched no trade, or the download"
            " failed; nothing to read — check the query (reporter, partner, period, commodity)"
        )
    frame = pd.DataFrame.from_records(records)
    return frame.astype(object).where(frame.notna(), None).astype("string") if len(frame) else frame


def _locate(fmt: str) -> Locate:
    # JSON records have no header line; name 1-based record numbers instead.
    return file_lines(first_line=1, unit="record") if fmt == "json" else file_lines()


def _flows(raw: pd.DataFrame, cols: dict[str, str], path: Path, locate: Locate) -> pd.Series:
    code = raw[cols["flow_code"]] if "flow_code" in cols else raw[cols["flow_name"]]
    return map_codes(
        code.astype("string").str.strip().str.upper().str.replace(r"\.0$", "", regex=True),
        _FLOWS,
        path=path,
        what="flow codes",
        expected=f"among {', '.join(FLOW_KINDS)} (X, M, RX, RM); filter the file to those flows before reading",
        locate=locate,
    )


def _periods(
    raw: pd.DataFrame, cols: dict[str, str], path: Path, locate: Locate
) -> tuple[pd.Series, pd.Series]:
    text = raw[cols["period"]].astype("string").str.strip().str.replace(r"\.0$", "", regex=True).fillna("")
    if "freq" in cols:
        freq = raw[cols["freq"]].astype("string").str.strip().str.upper().fillna("")
    else:
        freq = pd.Series(np.where(text.str.len() == 6, "M", "A"), index=raw.index, dtype="string")
    ok_year = text.str.fullmatch(r"\d{4}").fillna(False) & (freq == "A").fillna(False)
    ok_month = text.str.fullmatch(r"\d{4}(0[1-9]|1[0-2])").fillna(False) & (freq == "M").fillna(False)
    bad = (~(ok_year | ok_month)).astype(bool)
    if bad.any():
        raise ReaderError(
            f"{path}: periods {describe_items(text[bad].astype(str).unique().tolist())} on"
            f" {locate(bad)} do not fit their frequency (A: YYYY, M: YYYYMM)"
        )
    stamp = np.where(
        (freq == "A").to_numpy(dtype=bool), (text + "0101").to_numpy(str), (text + "01").to_numpy(str)
    )
    period = pd.Series(pd.to_datetime(stamp, format="%Y%m%d", errors="coerce"), index=raw.index)
    odd = period.isna() | ~period.dt.year.between(1900, 2100)
    if odd.any():
        raise ReaderError(
            f"{path}: periods {describe_items(text[odd].astype(str).unique().tolist())} on"
            f" {locate(odd)} are not years between 1900 and 2100"
        )
    return period.reset_index(drop=True), freq.astype(object)


def _classification(
    raw: pd.DataFrame,
    cols: dict[str, str],
    commodity: pd.Series,
    declared: str | None,
    path: Path,
    locate: Locate,
) -> pd.Series:
    if "classification" in cols:
        code = raw[cols["classification"]].astype("string").str.strip().str.upper()
    else:
        code = pd.Series([declared or pd.NA] * len(raw), dtype="string")
    return resolve_vintages(code, commodity, declared, path=path, what="classification", locate=locate)


def _quantities(
    raw: pd.DataFrame, cols: dict[str, str], path: Path, locate: Locate
) -> tuple[pd.Series, pd.Series]:
    if "qty" not in cols:
        return pd.Series(np.nan, index=raw.index), pd.Series([None] * len(raw), dtype=object)
    qty = to_number(raw[cols["qty"]], what="qty", path=path, locate=locate)
    unit = raw[cols["qty_unit"]].astype("string").str.strip() if "qty_unit" in cols else None
    unit_code = (
        raw[cols["qty_unit_code"]].astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
        if "qty_unit_code" in cols
        else None
    )
    no_unit = pd.Series(False, index=raw.index)
    if unit is not None:
        no_unit |= unit.isna() | unit.str.upper().isin(["N/A", "NO QUANTITY", ""])
    if unit_code is not None:
        no_unit |= unit_code.isin(["-1", "1"])  # -1 N/A and 1 "No Quantity" in Comtrade's unit table
    # Comtrade writes 0 beside "N/A": no unit means no quantity, not zero of it.
    qty = qty.where(~no_unit.fillna(True))
    units = (
        unit.where(~no_unit.fillna(True)).astype(object) if unit is not None else pd.Series([None] * len(raw))
    )
    return qty, units.where(units.notna(), None)


def _flags(raw: pd.DataFrame, cols: dict[str, str], country_flags: dict[str, pd.Series]) -> pd.Series:
    flags = pair_flags(country_flags["reporter"], country_flags["partner"])
    if "qty_estimated" in cols:
        estimated = raw[cols["qty_estimated"]].astype("string").str.strip().str.lower().isin(["true", "1"])
        flags = flag_where(flags, "qty_estimated", estimated.to_numpy())
    if "estimation" in cols:
        value = raw[cols["estimation"]].astype("string").str.strip()
        flags = flag_where(
            flags, "estimated", (~value.isin(["0", "0.0", "False", "false"]) & value.notna()).to_numpy()
        )
    return flags


def read_comtrade(
    path: str | Path,
    *,
    format: ComtradeFormat = "auto",
    classification: str | None = None,
    **text: Unpack[TextOptions],
) -> pd.DataFrame:
    """Read a UN Comtrade download (API JSON, website/bulk CSV, or legacy CSV) into FLOWS.

    Parameters
    ----------
    path
        The file. ``.json`` is read as the API's response (``{"count", "data", "error"}``),
        anything else as delimited text (gzip allowed).
    format
        ``"auto"`` (by extension), ``"json"`` or ``"csv"``.
    classification
        HS vintage for files whose ``classificationCode`` is ``"HS"`` (as reported) or absent.
    **text
        ``encoding``, ``sep``, ``thousands``, ``decimal`` (:class:`~forecasting.data.readers.detect.TextOptions`):
        declare them for CSV files when detection refuses to guess.

    Returns
    -------
    DataFrame
        FLOWS with ``value_usd`` from ``primaryValue``; extra columns ``cif_usd``, ``fob_usd``,
        ``net_weight_kg`` and breakdown codes when the file has them. Flags: ``partner_aggregate``
        (World, areas nes...), ``historic_successor``/``historic_entity``, ``qty_estimated``,
        ``estimated`` (legacy estimation flag).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> record = {"freqCode": "A", "period": "2022", "reporterCode": 398, "reporterISO": "KAZ",
    ...           "flowCode": "X", "partnerCode": 586, "partnerISO": "PAK", "classificationCode": "H6",
    ...           "cmdCode": "2709", "qtyUnitAbbr": "kg", "qty": 5.0, "primaryValue": 1250.0}
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "kaz.json"
    >>> _ = p.write_text(json.dumps({"elapsedTime": "0.1 secs", "count": 1, "data": [record], "error": ""}))
    >>> read_comtrade(p)[["reporter", "partner", "flow", "commodity", "classification", "value_usd"]].values.tolist()
    [['KAZ', 'PAK', 'export', '2709', 'HS2022', 1250.0]]
    """
    path = Path(path)
    text = text_options(text, reader="read_comtrade")
    kind = format if format != "auto" else ("json" if path.suffix.lower() == ".json" else "csv")
    check_choice("format", format, ComtradeFormat, error=ValueError)
    if kind == "json":
        raw = _load_json(path)
    else:
        raw, _ = read_table(path, **text)
    locate = _locate(kind)
    required = ["period", "commodity", "value"]
    cols = find_columns(raw.columns, _FIELDS, path=path, required=required)
    for role in ("reporter", "partner"):
        if not any(f"{role}_{k}" in cols for k in ("code", "iso", "name")):
            raise ReaderError(f"{path}: no {role} column ({role}Code, {role}ISO or {role}Desc)")
    if "flow_code" not in cols and "flow_name" not in cols:
        raise ReaderError(f"{path}: no flow column (flowCode or 'Trade Flow Code')")

    out = pd.DataFrame(index=raw.index)
    country_flags = {}
    for role in ("reporter", "partner"):
        suffix, scheme = next((s, k) for s, k in _COUNTRY_SCHEMES if f"{role}_{s}" in cols)
        out[role], country_flags[role] = countries(
            raw[cols[f"{role}_{suffix}"]], scheme=scheme, path=path, role=role
        )
    out["flow"] = _flows(raw, cols, path, locate)
    out["period"], out["freq"] = _periods(raw, cols, path, locate)
    out["commodity"] = pad_hs(raw[cols["commodity"]], path=path, locate=locate)
    out["classification"] = _classification(raw, cols, out["commodity"], classification, path, locate)
    out["value_usd"] = to_number(raw[cols["value"]], what="primaryValue", path=path, locate=locate)
    out["quantity"], out["quantity_unit"] = _quantities(raw, cols, path, locate)
    out["flags"] = _flags(raw, cols, country_flags).to_numpy()
    extra = []
    for field, name in (("cif", "cif_usd"), ("fob", "fob_usd"), ("net_weight", "net_weight_kg")):
        if field in cols:
            out[name] = to_number(raw[cols[field]], what=cols[field], path=path, locate=locate)
            extra.append(name)
    breakdown = []
    for field, total in _BREAKDOWNS.items():
        if field in cols:
            values = raw[cols[field]].astype("string").str.strip()
            if (values.fillna(total) != total).any():
                out[f"{field}_code"] = values.astype(object)
                breakdown.append(f"{field}_code")
    _check_breakdown_duplicates(out, breakdown, path)
    logger.info("%s: read %d Comtrade records (%s)", path.name, len(out), kind)
    return finish(out, source="comtrade", path=path, extra=[*extra, *breakdown], locate=locate)


def _check_breakdown_duplicates(out: pd.DataFrame, breakdown: list[str], path: Path) -> None:
    if not breakdown:
        return
    key = [c for c in FLOWS.key if c in out.columns and c != "source"]
    dupes = out.duplicated(subset=key, keep=False)
    if dupes.any():
        raise ReaderError(
            f"{path}: {int(dupes.sum())} records share a flow key because the file breaks flows down by"
            f" {', '.join(breakdown)}; download the totals (motCode 0, customsCode C00, partner2Code 0)"
            " or sum the breakdown first"
        )

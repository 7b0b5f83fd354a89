"""Concordances between HS vintages (HS1992 ... HS2022), read from the UN correlation tables.

The toolkit does not ship the tables: the user points :func:`read_concordance` at files
they downloaded (or that a fetcher cached). Two layouts are understood:

* the consolidated UN Comtrade file of adjacent-vintage correlations
  (``HS_consolidated_comtrade_concordances.csv``: ``code.after, code.before, Relationship,
  adjustment`` with ``adjustment`` like ``"2022 to 2017"``; codes lost their leading zero);
* the UN Statistics Division workbooks ``HS2022toHS2017ConversionAndCorrelationTables.xlsx``
  and kin, whose "Correlation(s)" sheet lists every linked pair of codes.

A correlation table is a list of *links*: a newer code and an older code that share
goods. Converting data from one vintage to another sends each source code's value to the
target codes it is linked to, split by weights that add up to one per source code, so the
conversion never creates or loses value. Weights are equal by default; with trade weights
(values of the target codes, e.g. world trade in a year reported in the target vintage) a
source code's value is split in proportion to its targets' trade. Between vintages without
a direct table the links are chained through the intermediate vintages, fewest steps first,
so a direct UNSD table (HS2022 to HS1992) is used in preference to a chain of six.

Examples
--------
>>> import pandas as pd
>>> links = pd.DataFrame({"newer": "HS2022", "older": "HS2017",
...                       "code_newer": ["010121", "850231", "850239"],
...                       "code_older": ["010121", "850239", "850239"]})
>>> conc = Concordance(links)
>>> conc.table("HS2017", "HS2022")[["from_code", "to_code", "weight", "relationship"]]
  from_code to_code  weight relationship
0    010121  010121     1.0          1:1
1    850239  850231     0.5          1:n
2    850239  850239     0.5          1:n
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.classify.hs import HS_VINTAGES, check_vintage
from forecasting.errors import ReaderError, SchemaError, UnknownCodeError, describe_items
from forecasting.schema import require_columns

logger = logging.getLogger(__name__)

LINK_COLUMNS = ("newer", "older", "code_newer", "code_older")
_YEAR_TO_VINTAGE = {v[2:]: v for v in HS_VINTAGES}
_ORDER = {v: i for i, v in enumerate(HS_VINTAGES)}


@dataclass(frozen=True)
class Concordance:
    """Links between HS codes of different vintages.

    ``links`` has one row per linked pair: ``newer``/``older`` vintage names,
    ``code_newer``/``code_older`` zero-padded 6-digit codes, and optionally the published
    ``relationship`` label and the ``source`` file.
    """

    links: pd.DataFrame

    def __post_init__(self) -> None:
        require_columns(self.links, LINK_COLUMNS, what="the concordance links")
        links = self.links.drop_duplicates(subset=list(LINK_COLUMNS)).reset_index(drop=True)
        wrong = links["newer"].map(_ORDER) <= links["older"].map(_ORDER)
        if wrong.any() or links["newer"].isna().any() or links["older"].isna().any():
            raise SchemaError("concordance links need 'newer' later than 'older', both HS1992 ... HS2022")
        object.__setattr__(self, "links", links)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The (newer, older) vintage pairs with a direct table.

        Examples
        --------
        >>> Concordance(pd.DataFrame(columns=list(LINK_COLUMNS))).pairs
        []
        """
        found = self.links[["newer", "older"]].drop_duplicates()
        return sorted(map(tuple, found.to_numpy().tolist()), key=lambda p: (_ORDER[p[0]], _ORDER[p[1]]))

    def codes(self, vintage: str) -> pd.Index:
        """Every code of ``vintage`` that appears in some table, sorted.

        Examples
        --------
        >>> links = pd.DataFrame({"newer": "HS2022", "older": "HS2017",
        ...                       "code_newer": ["850231", "850239"], "code_older": ["850239", "850239"]})
        >>> Concordance(links).codes("HS2022").tolist()
        ['850231', '850239']
        """
        vintage = check_vintage(vintage)
        newer = self.links.loc[self.links["newer"] == vintage, "code_newer"]
        older = self.links.loc[self.links["older"] == vintage, "code_older"]
        return pd.Index(sorted(set(newer) | set(older)), name=vintage)

    def path(self, source: str, target: str) -> list[str]:
        """The vintages a conversion passes through, fewest steps first.

        Examples
        --------
        >>> links = pd.DataFrame({"newer": ["HS2022", "HS2017"], "older": ["HS2017", "HS2012"],
        ...                       "code_newer": ["010121", "010121"], "code_older": ["010121", "010121"]})
        >>> Concordance(links).path("HS2012", "HS2022")
        ['HS2012', 'HS2017', 'HS2022']
        """
        source, target = check_vintage(source), check_vintage(target)
        neighbours: dict[str, set[str]] = {v: set() for v in HS_VINTAGES}
        for newer, older in self.pairs:
            neighbours[newer].add(older)
            neighbours[older].add(newer)
        previous: dict[str, str | None] = {source: None}
        queue = deque([source])
        while queue:
            here = queue.popleft()
            if here == target:
                break
            # Visit neighbours in chronological order so equal-length paths are chosen reproducibly.
            for nxt in sorted(neighbours[here], key=_ORDER.__getitem__):
                if nxt not in previous:
                    previous[nxt] = here
                    queue.append(nxt)
        if target not in previous:
            have = ", ".join(f"{n}-{o}" for n, o in self.pairs) or "none"
            raise UnknownCodeError(
                f"no chain of tables links {source} to {target}; tables read: {have}."
                " Read the missing UN correlation tables with read_concordance([...])."
            )
        steps = [target]
        while previous[steps[-1]] is not None:
            steps.append(previous[steps[-1]])  # type: ignore[arg-type]
        return steps[::-1]

    def table(
        self,
        source: str,
        target: str,
        *,
        weights: pd.Series | Mapping[str, float] | None = None,
    ) -> pd.DataFrame:
        """The conversion table from ``source`` to ``target`` vintage.

        Parameters
        ----------
        source, target
            Vintage names (``"HS2017"``, also ``"H5"`` or ``"HS17"``).
        weights
            ``None`` for equal splits (at each step of a chain), or trade values of the
            *target* codes (a Series indexed by code). A source code's value is then split
            in proportion to the trade of the target codes it reaches; a source code whose
            targets all have zero or unknown trade keeps the equal split.

        Returns
        -------
        pandas.DataFrame
            ``from_code, to_code, weight, relationship, n_targets``; weights add up to one
            for every ``from_code``. ``relationship`` is ``1:1``, ``1:n`` (source code
            split), ``n:1`` (codes merged) or ``n:n``, seen from source to target.
        """
        steps = self.path(source, target)
        if len(steps) == 1:
            codes = self.codes(steps[0])
            chained = pd.DataFrame({"from_code": codes, "to_code": codes, "weight": 1.0})
        else:
            chained = self._step(steps[0], steps[1])
            for here, nxt in zip(steps[1:-1], steps[2:], strict=True):
                chained = _compose(chained, self._step(here, nxt))
        if weights is not None:
            chained = _reweight(chained, weights)
        return _label(chained)

    def _step(self, source: str, target: str) -> pd.DataFrame:
        forward = _ORDER[target] > _ORDER[source]
        newer, older = (target, source) if forward else (source, target)
        links = self.links[(self.links["newer"] == newer) & (self.links["older"] == older)]
        from_col, to_col = ("code_older", "code_newer") if forward else ("code_newer", "code_older")
        step = pd.DataFrame({"from_code": links[from_col].to_numpy(), "to_code": links[to_col].to_numpy()})
        step["weight"] = 1.0 / step.groupby("from_code")["to_code"].transform("size")
        return step

    def tidy(self) -> pd.DataFrame:
        """The links as a tidy frame (a copy).

        Examples
        --------
        >>> links = pd.DataFrame({"newer": ["HS2022"], "older": ["HS2017"],
        ...                       "code_newer": ["010121"], "code_older": ["010121"]})
        >>> list(Concordance(links).tidy().columns)
        ['newer', 'older', 'code_newer', 'code_older']
        """
        return self.links.copy()


def _compose(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    merged = first.merge(second, left_on="to_code", right_on="from_code", suffixes=("", "_2"))
    lost = set(first["to_code"]) - set(second["from_code"])
    if lost:
        # An intermediate code with no onward link would lose value; keep it visible.
        logger.info(
            "chain loses %d intermediate codes without onward links: %s",
            len(lost),
            describe_items(sorted(lost)),
        )
    merged["weight"] = merged["weight"] * merged["weight_2"]
    out = merged.groupby(["from_code", "to_code_2"])["weight"].sum().reset_index()
    out.columns = pd.Index(["from_code", "to_code", "weight"])
    return out


def _reweight(table: pd.DataFrame, weights: pd.Series | Mapping[str, float]) -> pd.DataFrame:
    trade = pd.Series(weights, dtype="float64")
    trade.index = trade.index.astype(str).str.zfill(6)
    if (trade < 0).any():
        bad = trade.index[trade < 0].tolist()
        raise SchemaError(f"trade weights must not be negative; codes {describe_items(bad)} are")
    value = table["to_code"].map(trade).fillna(0.0)
    total = value.groupby(table["from_code"]).transform("sum")
    usable = total > 0
    out = table.copy()
    out["weight"] = np.where(usable, value / total.where(usable, 1.0), table["weight"])
    fallback = table.loc[~usable, "from_code"].nunique()
    if fallback:
        logger.info("%d source codes reach only targets without trade weight; kept equal splits", fallback)
    return out


def _label(table: pd.DataFrame) -> pd.DataFrame:
    table = table.sort_values(["from_code", "to_code"], ignore_index=True)
    n_targets = table.groupby("from_code")["to_code"].transform("size")
    n_sources = table.groupby("to_code")["from_code"].transform("size")
    table["relationship"] = (
        np.where(n_sources > 1, "n", "1").astype(object)
        + ":"
        + np.where(n_targets > 1, "n", "1").astype(object)
    )
    table["n_targets"] = n_targets.astype("int64")
    return table[["from_code", "to_code", "weight", "relationship", "n_targets"]]


def read_concordance(paths: str | Path | Iterable[str | Path]) -> Concordance:
    """Read UN HS correlation tables from files or folders into one :class:`Concordance`.

    Parameters
    ----------
    paths
        A consolidated Comtrade CSV, a UNSD ``...ConversionAndCorrelationTables.xlsx``
        workbook, a folder holding such files (read recursively), or a list of these.

    Raises
    ------
    ReaderError
        When a file is neither layout (naming the file and the columns found).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> table = pathlib.Path(tempfile.mkdtemp(), "c.csv")
    >>> _ = table.write_text("code.after,code.before,Relationship,adjustment\\n10121,10111,n:1,1996 to 1992\\n")
    >>> read_concordance(table).pairs
    [('HS1996', 'HS1992')]
    """
    files = _expand(paths)
    if not files:
        raise ReaderError(f"no .csv or .xlsx concordance files found in {paths!s}")
    frames = [_read_one(f) for f in files]
    links = pd.concat(frames, ignore_index=True)
    logger.info("read %d links from %d files", len(links), len(files))
    return Concordance(links)


def _expand(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items: Sequence[str | Path] = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() in (".csv", ".xlsx")))
        elif p.exists():
            files.append(p)
        else:
            raise ReaderError(f"concordance file {p} does not exist")
    return files


def _read_one(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".xlsx":
        return _read_unsd_workbook(path)
    return _read_consolidated_csv(path)


def _read_consolidated_csv(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str)
    need = ["code.after", "code.before", "adjustment"]
    if any(c not in raw.columns for c in need):
        raise ReaderError(
            f"{path.name} is not a consolidated Comtrade concordance: expected columns"
            f" {describe_items(need)}, found {describe_items(list(raw.columns))}"
        )
    years = raw["adjustment"].str.extract(r"^\s*(\d{4})\s+to\s+(\d{4})\s*$")
    newer = years[0].map(_YEAR_TO_VINTAGE)
    older = years[1].map(_YEAR_TO_VINTAGE)
    is_hs = newer.notna() & older.notna()
    if (~is_hs).any():
        # The file also holds SITC-era pairs (1992 to 1988, ...); they are not HS vintages.
        skipped = sorted(raw.loc[~is_hs, "adjustment"].dropna().unique())
        logger.info(
            "%s: skipped %d non-HS rows (%s)", path.name, int((~is_hs).sum()), describe_items(skipped)
        )
    links = pd.DataFrame(
        {
            "newer": newer[is_hs],
            "older": older[is_hs],
            "code_newer": raw.loc[is_hs, "code.after"].str.strip().str.zfill(6),
            "code_older": raw.loc[is_hs, "code.before"].str.strip().str.zfill(6),
            "relationship": raw.loc[is_hs, "Relationship"] if "Relationship" in raw else np.nan,
            "source": path.name,
        }
    )
    return _keep_six_digit(links, path)


def _read_unsd_workbook(path: Path) -> pd.DataFrame:
    book = pd.ExcelFile(path)
    sheets = [s for s in book.sheet_names if "correl" in str(s).lower()]
    if not sheets:
        raise ReaderError(
            f"{path.name} has no correlation sheet (sheets: {describe_items(book.sheet_names)});"
            " expected a UNSD ...ConversionAndCorrelationTables.xlsx workbook"
        )
    raw = pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=str)
    raw = raw.dropna(axis=1, how="all")
    # The header sits a row or two into the sheet, under a title such as "Between".
    top = raw.head(10).astype(str).apply(lambda col: col.str.strip())
    header_rows = top.index[(top == "Relationship").any(axis=1)]
    if not len(header_rows):
        raise ReaderError(f"{path.name}: no header row with 'Relationship' in sheet {sheets[0]!r}")
    header = raw.loc[header_rows[0]].astype(str).str.replace(" ", "").str.strip().tolist()
    body = raw.loc[header_rows[0] + 1 :]
    body.columns = header
    vintages = [check_vintage(h) for h in header if h.upper().startswith("HS")]
    if len(vintages) != 2:
        raise ReaderError(f"{path.name}: expected two HS vintage columns, found header {header}")
    first, second = (h for h in header if h.upper().startswith("HS"))
    newer_col, older_col = (first, second) if _ORDER[vintages[0]] > _ORDER[vintages[1]] else (second, first)
    links = pd.DataFrame(
        {
            "newer": check_vintage(newer_col),
            "older": check_vintage(older_col),
            "code_newer": body[newer_col].str.strip().str.zfill(6),
            "code_older": body[older_col].str.strip().str.zfill(6),
            "relationship": body["Relationship"].str.strip(),
            "source": path.name,
        }
    ).dropna(subset=["code_newer", "code_older"])
    return _keep_six_digit(links, path)


def _keep_six_digit(links: pd.DataFrame, path: Path) -> pd.DataFrame:
    ok = links["code_newer"].str.fullmatch(r"\d{6}") & links["code_older"].str.fullmatch(r"\d{6}")
    if (~ok).any():
        bad = links.loc[~ok, ["code_newer", "code_older"]].astype(str).agg("/".join, axis=1).tolist()
        raise ReaderError(
            f"{path.name}: {int((~ok).sum())} rows do not hold two 6-digit HS codes: {describe_items(bad)}"
        )
    return links.reset_index(drop=True)

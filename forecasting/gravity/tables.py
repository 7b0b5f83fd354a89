"""Side-by-side regression tables (Markdown, HTML, LaTeX), the output pasted into papers."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.gravity.results import GravityResult
from forecasting.validation import check_choice

TableFormat = Literal["markdown", "html", "latex"]
STAR_LEVELS = ((0.01, "***"), (0.05, "**"), (0.10, "*"))  # Stata's esttab / fixest etable convention


class RegressionTable(str):
    """The rendered table (a ``str``), with the underlying cells available via :meth:`to_frame`."""

    _frame: pd.DataFrame

    def __new__(cls, text: str, frame: pd.DataFrame) -> RegressionTable:
        obj = super().__new__(cls, text)
        obj._frame = frame
        return obj

    def to_frame(self) -> pd.DataFrame:
        """Cells as a DataFrame: one row per table line, one column per model."""
        return self._frame.copy()


def _stars(p: float) -> str:
    return next((mark for cut, mark in STAR_LEVELS if p < cut), "")


def _cells(results: Mapping[str, GravityResult], *, stars: bool, level: float, digits: int) -> pd.DataFrame:
    terms = list(dict.fromkeys(t for r in results.values() for t in r.coef.index))
    fixed = list(dict.fromkeys(f for r in results.values() for f in r.fixef_names))
    rows: dict[str, dict[str, str]] = {}
    for name, res in results.items():
        tidy = res.tidy(level=level).set_index("term")
        for term in terms:
            est, se = ("", "")
            if term in tidy.index:
                row = tidy.loc[term]
                est = f"{row['estimate']:.{digits}f}" + (_stars(row["p_value"]) if stars else "")
                se = f"({row['std_error']:.{digits}f})" if np.isfinite(row["std_error"]) else ""
            rows.setdefault(term, {})[name] = est
            rows.setdefault(f"{term} (se)", {})[name] = se
        for fe in fixed:
            rows.setdefault(f"FE: {fe}", {})[name] = "Yes" if fe in res.fixef_names else "No"
        rows.setdefault("Clustered by", {})[name] = res.cluster if res.cluster != "none" else res.vcov_type
        rows.setdefault("Estimator", {})[name] = res.estimator.upper()
        rows.setdefault("Observations", {})[name] = f"{res.nobs:,}"
        fit = res.pseudo_r2 if res.estimator == "ppml" else res.r2
        rows.setdefault("(Pseudo) R2", {})[name] = f"{fit:.3f}" if np.isfinite(fit) else ""
    return pd.DataFrame(rows).T.reindex(columns=list(results)).fillna("")


def _label(index: str) -> str:
    return "" if index.endswith(" (se)") else index


def _markdown(frame: pd.DataFrame, note: str) -> str:
    header = "| | " + " | ".join(frame.columns) + " |"
    rule = "|---|" + "|".join(":---:" for _ in frame.columns) + "|"
    body = ["| " + _label(i) + " | " + " | ".join(frame.loc[i]) + " |" for i in frame.index]
    return "\n".join([header, rule, *body, "", note])


def _html(frame: pd.DataFrame, note: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        f"<tr><td>{html.escape(_label(i))}</td>"
        + "".join(f"<td>{html.escape(v)}</td>" for v in frame.loc[i])
        + "</tr>"
        for i in frame.index
    )
    return (
        f'<table class="regression-table"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table><p><small>{html.escape(note)}</small></p>"
    )


def _tex(text: str) -> str:
    for char, escaped in (
        ("\\", r"\textbackslash{}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("^", r"\^{}"),
    ):
        text = text.replace(char, escaped)
    return text


def _latex(frame: pd.DataFrame, note: str) -> str:
    def cell(value: str) -> str:
        stars = len(value) - len(value.rstrip("*"))
        return _tex(value.rstrip("*")) + (f"$^{{{'*' * stars}}}$" if stars else "")

    lines = [
        r"\begin{tabular}{l" + "c" * len(frame.columns) + "}",
        r"\toprule",
        " & " + " & ".join(_tex(c) for c in frame.columns) + r" \\",
        r"\midrule",
    ]
    lines += [
        _tex(_label(i)) + " & " + " & ".join(cell(v) for v in frame.loc[i]) + r" \\" for i in frame.index
    ]
    lines += [r"\bottomrule", r"\end{tabular}", "% " + note]
    return "\n".join(lines)


def regression_table(
    results: Mapping[str, GravityResult],
    *,
    format: TableFormat = "markdown",
    stars: bool = True,
    level: float = 95,
    digits: int = 3,
) -> RegressionTable:
    """Several models side by side: coefficients, standard errors, fixed effects, clustering, N.

    Parameters
    ----------
    results
        Column title -> fitted :func:`ppml` or :func:`ols` result, in display order.
    format
        ``"markdown"``, ``"html"`` or ``"latex"`` (booktabs).
    stars
        Mark p < 0.10 / 0.05 / 0.01 with one to three stars.
    level
        Confidence level (percent) used by the underlying ``tidy``; shown in the note.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting.gravity import ppml, ols
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"x": rng.normal(size=300), "g": rng.integers(0, 10, 300).astype(str)})
    >>> df["y"] = np.exp(1 + 0.5 * df["x"]) * rng.gamma(4, 0.25, 300)
    >>> table = regression_table({"PPML": ppml(df, "y ~ x | g"), "OLS": ols(df, "y ~ x | g")})
    >>> print(table.splitlines()[0])
    | | PPML | OLS |
    >>> table.to_frame().loc["FE: g"].tolist()
    ['Yes', 'Yes']
    """
    check_choice("format", format, TableFormat)
    if not results:
        raise ValueError("regression_table needs at least one result, e.g. {'PPML': ppml(...)}")
    frame = _cells(results, stars=stars, level=level, digits=digits)
    note = "Standard errors in parentheses."
    if stars:
        note += " * p<0.10, ** p<0.05, *** p<0.01."
    render = {"markdown": _markdown, "html": _html, "latex": _latex}[format]
    return RegressionTable(render(frame, note), frame)

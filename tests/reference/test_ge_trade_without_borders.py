"""'Trade without borders' (Yotov, Piermartini, Monteiro & Larch 2016, ch. 2, application 1).

Published numbers come from the book's Stata output in ../shared/data/yotov2016_agtpa:
``results/ch2_app1_trade_without_border/TradeWithoutBorder.log`` (first stage and the
five rounds of the GE loop), ``results/data-figure-7.dta`` (per-country % changes of
exports, factory-gate prices, inward resistance and real GDP) and
``1_TradeWithoutBorder_FULL_PROD.dta`` (baseline output and exports, outward resistance).
2006 cross-section of 69 countries including domestic flows, DEU the reference importer,
sigma = 7; the scenario sets the international-border dummy to zero for every pair.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConvergenceWarning
from forecasting.gravity.ge import GEOptions, counterfactual_from_coefficients
from tests.conftest import shared_file

pytestmark = pytest.mark.reference

ROOT = "yotov2016_agtpa"
# TradeWithoutBorder.log, first stage: ppml trade EXPORTER_FE* IMPORTER_FE* ln_DIST CNTG INTL_BRDR.
BOOK_COEFFICIENTS = pd.DataFrame(
    {
        "term": ["ln_DIST", "CNTG", "INTL_BRDR"],
        "estimate": [-0.7912879, 0.6736456, -2.47445],
        "std_error": [0.0501494, 0.1073719, 0.1193816],
    }
)
BOOK_N = 4761
# The book reports results to many digits; its own GE loop ran Stata's ppml to a
# deviance tolerance, so agreement is to about 1e-3 percentage points. Task bound: 0.01 pp.
PP_TOLERANCE = 0.01


@pytest.fixture(scope="module")
def book_data() -> pd.DataFrame:
    raw = pd.read_stata(shared_file(f"{ROOT}/datasets/Chapter2Application1.dta"))
    data = raw[raw["year"] == 2006].copy()
    data["ln_DIST"] = np.log(data["DIST"])
    data["INTL_BRDR"] = (data["exporter"] != data["importer"]).astype(float)
    return data.reset_index(drop=True)


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    figure = pd.read_stata(shared_file(f"{ROOT}/results/data-figure-7.dta")).set_index("country")
    prod = pd.read_stata(
        shared_file(f"{ROOT}/results/ch2_app1_trade_without_border/1_TradeWithoutBorder_FULL_PROD.dta")
    ).set_index("country")
    return figure.join(prod[["Xi_BLN", "change_OMR_FULL"]])


@pytest.fixture(scope="module")
def book_run(book_data: pd.DataFrame):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = counterfactual_from_coefficients(
            book_data, BOOK_COEFFICIENTS, {"INTL_BRDR": 0.0}, value="trade", scenario="no_borders",
            options=GEOptions(sigma=7.0, reference_importer="DEU", stopping="book"),
        )  # fmt: skip
    return result, caught


@pytest.fixture(scope="module")
def tight_run(book_data: pd.DataFrame):
    return counterfactual_from_coefficients(
        book_data, BOOK_COEFFICIENTS, {"INTL_BRDR": 0.0}, value="trade", scenario="no_borders",
        options=GEOptions(sigma=7.0, reference_importer="DEU"),
    )  # fmt: skip


def test_first_stage_matches_book(book_data: pd.DataFrame) -> None:
    pyfixest = pytest.importorskip("pyfixest")
    fit = pyfixest.fepois(
        "trade ~ ln_DIST + CNTG + INTL_BRDR | exporter + importer",
        data=book_data,
        vcov="hetero",
        ssc=pyfixest.ssc(k_adj=False, G_adj=False),
    )
    table = fit.tidy()
    assert fit._N == BOOK_N
    # Coefficients printed to 7 significant digits in the log.
    np.testing.assert_allclose(table["Estimate"].to_numpy(), BOOK_COEFFICIENTS["estimate"], atol=5e-7)
    # Stata's ppml 'semirobust' errors are HC0 times sqrt(N / (N - 1)); printed to 6 digits.
    stata_se = table["Std. Error"].to_numpy() * np.sqrt(BOOK_N / (BOOK_N - 1))
    np.testing.assert_allclose(stata_se, BOOK_COEFFICIENTS["std_error"], atol=5e-7)


def test_baseline_matches_book(tight_run, published: pd.DataFrame) -> None:
    country = tight_run.country.set_index(["measure", "country"])
    # Y_BLN is observed output; Xi_BLN the PPML-fitted international exports.
    np.testing.assert_allclose(
        country.loc["gdp", "baseline"].loc[published.index], published["Y_BLN"], rtol=1e-9
    )
    np.testing.assert_allclose(
        country.loc["exports", "baseline"].loc[published.index], published["Xi_BLN"], rtol=1e-5
    )


@pytest.mark.parametrize(
    ("measure", "column"),
    [
        ("exports_conditional", "change_Xi_CDL"),
        ("exports", "change_Xi_FULL"),
        ("factory_gate_price", "change_price_FULL"),
        ("imr", "change_IMR_FULL"),
        ("omr", "change_OMR_FULL"),
        ("real_gdp", "change_rGDP_FULL"),
    ],
)
def test_book_rule_reproduces_published_changes(
    book_run, published: pd.DataFrame, measure: str, column: str
) -> None:
    result, _ = book_run
    ours = result.change(measure).loc[published.index]
    gap = (ours - published[column]).abs()
    assert gap.max() < PP_TOLERANCE, f"{measure}: worst country {gap.idxmax()} off by {gap.max():.4f} pp"


def test_book_rule_stops_where_the_book_stopped(book_run) -> None:
    result, caught = book_run
    # The log shows five rounds ("iteration number 1" ... "5").
    assert result.diagnostics["iterations"] == 5
    assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


def test_converged_equilibrium_beside_book(tight_run, book_run, published: pd.DataFrame) -> None:
    book, _ = book_run
    diagnostics = tight_run.diagnostics
    assert diagnostics["converged"] and diagnostics["residual"] < 1e-8
    assert diagnostics["market_clearing_residual"] < 1e-8 and diagnostics["budget_residual"] < 1e-8
    # The book's early stop leaves its budget constraints visibly unmet...
    assert book.diagnostics["budget_residual"] > 1e-3
    # ...and moves prices by tenths of a point and exports by up to several points.
    beside = pd.DataFrame(
        {
            "book_price": published["change_price_FULL"],
            "converged_price": tight_run.change("factory_gate_price").loc[published.index],
            "book_exports": published["change_Xi_FULL"],
            "converged_exports": tight_run.change("exports").loc[published.index],
        }
    )
    price_gap = (beside["converged_price"] - beside["book_price"]).abs()
    assert 0.05 < price_gap.max() < 2.0
    # Conditional GE has no loop: converged and published agree.
    cdl = (tight_run.change("exports_conditional").loc[published.index] - published["change_Xi_CDL"]).abs()
    assert cdl.max() < PP_TOLERANCE
    # Broad agreement all the same: the same model, solved fully.
    assert np.corrcoef(beside["converged_exports"], beside["book_exports"])[0, 1] > 0.999


def test_project_pipeline_ppml_then_ge_reproduces_the_book(
    book_data: pd.DataFrame, published: pd.DataFrame
) -> None:
    """The project's own first stage feeds the solver: coefficients, errors and GE results."""
    from forecasting.gravity import ppml
    from forecasting.gravity.ge import ge_monte_carlo

    fit = ppml(book_data, "trade ~ ln_DIST + CNTG + INTL_BRDR", fe="exporter_importer", vcov="hetero")
    table = fit.tidy().set_index("term").loc[BOOK_COEFFICIENTS["term"]]
    np.testing.assert_allclose(table["estimate"], BOOK_COEFFICIENTS["estimate"], atol=5e-7)
    np.testing.assert_allclose(table["std_error"], BOOK_COEFFICIENTS["std_error"], atol=5e-7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = counterfactual_from_coefficients(
            book_data,
            fit.tidy(),
            {"INTL_BRDR": 0.0},
            value="trade",
            options=GEOptions(stopping="book", reference_importer="DEU"),
        )
    gap = (result.change("real_gdp").loc[published.index] - published["change_rGDP_FULL"]).abs()
    assert gap.max() < PP_TOLERANCE
    draws = ge_monte_carlo(
        book_data, fit.tidy(), {"INTL_BRDR": 0.0}, covariance=fit.vcov, value="trade", draws=40, seed=6,
        options=GEOptions(reference_importer="DEU"),
    )  # fmt: skip
    welfare = draws.tidy(95).query("measure == 'real_gdp'")
    assert (
        (welfare["lower"] < welfare["change_pct"]) & (welfare["change_pct"] < welfare["upper"])
    ).mean() > 0.9

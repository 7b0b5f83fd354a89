"""The two-stage fill of pair trade costs, Yotov et al. (2016), *An Advanced Guide*, ch. 2, application 2.

Data: ``yotov2016_agtpa/datasets/Chapter2Application2.dta`` (PROVENANCE.md section 1).
Published numbers: the book's Stata log ``results/ch2_app2_rta_effects/RTAsEffects.log``.

* Stage 1, years 1986, 1990, ..., 2006, all flows incl. intra-national:
  ``ppml trade PAIR_FE* EXPORTER_TIME_FE* IMPORTER_TIME_FE* RTA``: RTA 0.5571853, 84 rows
  of 14 never-trading pairs dropped. The log's pair dummies come from the symmetric
  ``pair_id`` with every domestic flow in one reference pair (effect 0), and Germany's
  importer-year dummies left out; the pair effects it keeps (``gamma_ij``) are therefore
  international trade costs relative to domestic ones.
* Stage 2, the 1994 rows: ``ppml tij EXPORTER_FE* IMPORTER_FE* ln_DIST CNTG LANG CLNY if
  exporter != importer, cluster(pair_id)`` with ``tij = exp(gamma_ij)``: N = 4,678, 2,339
  clusters, ln_DIST -0.8475027 (0.0346902), CNTG 0.2940831 (0.0948405), LANG 0.3632659
  (0.0826225), CLNY 0.2394163 (0.114736). Its predictions fill the 14 pairs.

Separate domestic pair effects per country (our symmetric preset) fit the same model as
the log's single domestic pair, and the stage-2 slopes are unchanged by any normalisation
that moves constants between pair and exporter/importer effects; the domestic = 0
normalisation makes the filled levels comparable with the book's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.gravity import fill_pair_costs, ppml
from tests.conftest import shared_file

pytestmark = [pytest.mark.reference, pytest.mark.slow]

STATA_LOG = 2e-5  # published to 7 digits; both stages iterate to relative deviance changes of 1e-8
YEARS = list(range(1986, 2007, 4))
STAGE2 = {
    "ln_DIST": (-0.8475027, 0.0346902),
    "CNTG": (0.2940831, 0.0948405),
    "LANG": (0.3632659, 0.0826225),
    "CLNY": (0.2394163, 0.114736),
}


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    data = pd.read_stata(shared_file("yotov2016_agtpa/datasets/Chapter2Application2.dta"))
    data = data[data["year"].isin(YEARS)].copy()
    data["year"] = data["year"].astype(int)
    data["ln_DIST"] = np.log(data["DIST"])
    return data.reset_index(drop=True)


@pytest.fixture(scope="module")
def costs(book: pd.DataFrame):
    stage1 = ppml(book, "trade ~ RTA", fe="structural", pairs="symmetric")
    assert stage1.coef["RTA"] == pytest.approx(0.5571853, abs=STATA_LOG)
    assert (stage1.dropped["reason"] == "separated").sum() == 84
    return fill_pair_costs(stage1, book[book["year"] == 1994], "ln_DIST + CNTG + LANG + CLNY", cluster="pair")


def test_stage_two_reproduces_the_book(costs) -> None:
    stage2 = costs.stage2
    assert stage2.nobs == 4_678 and stage2.n_clusters == (2_339,)
    for term, (estimate, std_error) in STAGE2.items():
        assert stage2.coef[term] == pytest.approx(estimate, abs=STATA_LOG), term
        assert stage2.std_errors[term] == pytest.approx(std_error, abs=STATA_LOG), term


def test_every_pair_has_a_cost_and_the_gaps_are_filled(costs, book: pd.DataFrame) -> None:
    table = costs.table
    assert len(table) == 69 * 69 and table["pair_effect"].notna().all()
    assert (table["source"] == "filled").sum() == 14  # the 14 pairs that never trade
    assert (table.loc[table["source"] == "domestic", "pair_effect"].abs() < 1e-9).all()
    pair_total = book.groupby("pair_id")["trade"].transform("sum")  # pair_id: both directions
    never = book.loc[pair_total == 0].drop_duplicates(["exporter", "importer"])
    filled = table.set_index(["exporter", "importer"]).loc[
        list(zip(never.exporter, never.importer, strict=True)), "source"
    ]
    assert len(filled) == 14 and (filled == "filled").all()
    # The filled costs are the stage-2 predictions, in the same units as the estimated ones.
    estimated = table[table["source"] == "estimated"]
    assert (
        table.loc[table["source"] == "filled", "pair_effect"]
        .between(estimated["pair_effect"].min() - 5, estimated["pair_effect"].max())
        .all()
    )

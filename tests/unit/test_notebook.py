"""The notebooks' parameter checks refuse what the library would refuse, naming the parameter."""

from __future__ import annotations

import pytest

from forecasting.errors import OptionError
from forecasting.notebook import check_parameters


def test_the_default_parameters_of_every_notebook_pass(tmp_path):
    check_parameters(draws=300, ge_draws=60, horizon=2035, seed=2026)
    check_parameters(pair=("KAZ", "PAK"), shared_data="../../shared/data")
    check_parameters(commodity="textiles", first_year=2005)
    check_parameters(scenario_name="trans_afghan_railway", commodity="other", elasticity=-4.0)


@pytest.mark.parametrize(
    ("values", "said"),
    [
        ({"commodity": "pharmacy"}, "commodity='pharmacy' is not valid (did you mean 'pharma'?); use one of"),
        ({"scenario_name": "trans_afghan"}, "did you mean 'trans_afghan_railway'"),
        ({"draws": 1}, "draws=1 is too few"),
        ({"draws": "300"}, "draws='300' is too few"),
        ({"horizon": 2025}, "horizon=2025: the forecast must end after the last data year 2025"),
        ({"horizon": 2200}, "at most 25 years ahead"),
        ({"ge_draws": 0}, "ge_draws=0: give a whole number of at least 1"),
        ({"seed": 1.5}, "seed=1.5: give a whole number"),
        ({"first_year": 2025}, "from 2000 to 2023"),
        ({"elasticity": 4.0}, "elasticity=4.0: the trade elasticity (1 - sigma) is a negative number"),
        ({"pair": ("KAZ", "KAZ")}, "give two different ISO3 codes"),
        ({"pair": ("KAZ", "PAQ")}, "pair='PAQ' is not valid (did you mean 'PAK'?)"),
        ({"title": ""}, "title='': give a non-empty text"),
        ({"comodity": "coal"}, "'comodity' is not a notebook parameter (did you mean 'commodity'?)"),
    ],
)
def test_a_bad_parameter_is_refused_in_the_library_words(values, said):
    with pytest.raises(OptionError) as refused:
        check_parameters(**values)
    assert said in str(refused.value)


def test_the_report_notebook_needs_a_folder_written_by_the_report(tmp_path):
    with pytest.raises(OptionError, match="is not a folder written by forecasting.report.write_artefacts"):
        check_parameters(artefacts_dir=str(tmp_path))

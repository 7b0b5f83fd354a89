"""The same forecast call on a local two-worker Dask cluster and in local processes."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.errors import ForecastingError
from forecasting.timeseries import forecast
from forecasting.timeseries.distributed import partition
from forecasting.timeseries.frame import to_panel

MODELS = ["AutoETS", "RandomWalkWithDrift", "SARIMAX"]


def test_partition_keeps_systems_whole_and_loses_nothing(annual_panel):
    panel = to_panel(annual_panel, keys=["commodity", "flow"])
    groups = [panel.ids[:2], panel.ids[2:4], panel.ids[4:]]
    chunks = partition(panel, 2, groups)
    assert sorted(sum(chunks, [])) == sorted(panel.ids)
    for group in groups:
        assert any(set(group) <= set(chunk) for chunk in chunks)


def test_unknown_backend_is_refused(annual_panel):
    with pytest.raises(ForecastingError, match="backend="):
        forecast(annual_panel, keys=["commodity", "flow"], models="Naive", horizon=2, backend="spark")


@pytest.mark.slow
def test_local_processes_match_serial(annual_panel):
    serial = forecast(annual_panel, keys=["commodity", "flow"], models=MODELS, horizon=4)
    parallel = forecast(annual_panel, keys=["commodity", "flow"], models=MODELS, horizon=4, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel, rtol=1e-9)


@pytest.mark.dask
@pytest.mark.slow
def test_dask_cluster_of_two_workers_matches_local(annual_panel):
    distributed = pytest.importorskip("distributed")
    local = forecast(annual_panel, keys=["commodity", "flow"], models=MODELS, horizon=4, level=(80, 95))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_cluster = forecast(
            annual_panel, keys=["commodity", "flow"], models=MODELS, horizon=4, backend=client
        )
        via_default = forecast(
            annual_panel, keys=["commodity", "flow"], models="Naive", horizon=2, backend="dask"
        )
    pd.testing.assert_frame_equal(local, on_cluster, rtol=1e-9)
    assert len(via_default) == 6 * 2 * 2

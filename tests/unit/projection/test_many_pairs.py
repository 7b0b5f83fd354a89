"""Many pairs from one preparation and one gravity estimation: serial, on a two-worker cluster, failures."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from forecasting.errors import FallbackWarning, SchemaError
from forecasting.projection import many
from forecasting.projection.drivers import GDP_COLUMNS
from forecasting.projection.estimate import GravityEstimate, estimate_gravity
from forecasting.projection.many import (
    absent_pairs,
    check_pairs,
    corridor_pairs,
    outlook_many,
    outlook_pairs,
)
from forecasting.projection.many_result import (
    OVERVIEW_COLUMNS,
    PairFailedError,
    PairFailedWarning,
    PairOutlooks,
    PairsFailedError,
)
from forecasting.projection.pair import pair_outlook
from forecasting.projection.prepare import PreparedData, prepare_data
from forecasting.projection.result import TABLE_COLUMNS
from forecasting.scenarios import builtin_corridors

PAIRS = [("KAZ", "PAK"), ("UZB", "PAK"), ("KGZ", "PAK")]
LIBRARY = builtin_corridors()
HORIZON = 2028
# GDP paths for the countries of PAIRS only: TJK-PAK fails where it runs, on a worker too.
GDP = pd.DataFrame(
    [(c, y, 4.0) for c in ("KAZ", "UZB", "KGZ", "PAK") for y in range(2025, HORIZON + 1)], columns=GDP_COLUMNS
)
# Small but complete: a status quo and a corridor solved in GE, joint draws, two levels.
OPTIONS = dict(
    scenarios={k: LIBRARY[k] for k in ("baseline", "trans_afghan_railway")},
    horizon=HORIZON,
    draws=40,
    ge_draws=10,
    seed=11,
    gdp=GDP,
)


def _quietly(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # demonstration data and fall-backs, recorded in settings
        return func(*args, **kwargs)


def _with_warnings(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [(w.category, str(w.message)) for w in caught]


def _assert_same_outlooks(mine: PairOutlooks, theirs: PairOutlooks) -> None:
    assert list(mine) == list(theirs)
    for pair, result in mine.items():
        for name, table in result.tables().items():
            pd.testing.assert_frame_equal(table, theirs[pair].tables()[name], check_exact=True, obj=name)
        assert result.settings == theirs[pair].settings
        assert result.scenarios == theirs[pair].scenarios


@pytest.fixture(scope="module")
def shared() -> tuple[PreparedData, GravityEstimate]:
    prepared = _quietly(prepare_data)
    return prepared, _quietly(estimate_gravity, prepared)


@pytest.fixture(scope="module")
def serial(shared):
    return _with_warnings(outlook_pairs, *shared, PAIRS, **OPTIONS)


def test_pairs_are_checked_before_any_work_and_every_bad_one_named():
    assert check_pairs([["KAZ", "PAK"]]) == (("KAZ", "PAK"),)
    with pytest.raises(SchemaError) as caught:
        check_pairs([("KAZ", "PAK"), "UZB-PAK", ("kgz", "PAK"), ("TJK", "TJK"), ("PAK", "KAZ")])
    message = str(caught.value)
    for named in ("'UZB-PAK'", "'kgz-PAK'", "'TJK-TJK'", "'PAK-KAZ'", "upper case", "same country twice"):
        assert named in message
    for empty in ([], "KAZ", None):
        with pytest.raises(SchemaError, match="non-empty list"):
            check_pairs(empty)


def test_corridor_pairs_are_the_pairs_its_shocks_touch_each_once_origin_first():
    pairs = corridor_pairs(LIBRARY["trans_afghan_railway"])
    assert sorted(pairs) == [("KAZ", "PAK"), ("KGZ", "PAK"), ("TJK", "PAK"), ("TKM", "PAK"), ("UZB", "PAK")]
    east_africa = corridor_pairs(LIBRARY["kz_pk_east_africa"])
    assert len(east_africa) == len({frozenset(p) for p in east_africa}) == 17  # 34 directed pairs


def test_absent_pairs_name_the_missing_country_with_a_close_match(shared):
    prepared, _ = shared
    absent = absent_pairs(prepared, [("KAZ", "PAK"), ("KAZ", "PAQ"), ("XXX", "YYY")])
    assert set(absent) == {("KAZ", "PAQ"), ("XXX", "YYY")}
    assert "'PAQ' not in the data (did you mean 'PAK'?)" in absent[("KAZ", "PAQ")]
    assert (
        "'XXX', 'YYY' not in the data" in absent[("XXX", "YYY")] and "40 countries" in absent[("XXX", "YYY")]
    )
    thin = prepared.reconciled[
        ~prepared.reconciled.exporter.isin(["TJK"]) & ~prepared.reconciled.importer.isin(["TJK"])
    ]
    others = pd.DataFrame({"exporter": ["TJK"], "importer": ["CHN"]}).assign(
        period=prepared.reconciled.period.max(), commodity="coal", value_usd=1.0
    )
    cut = PreparedData(**{**vars(prepared), "reconciled": pd.concat([thin, others], ignore_index=True)})
    assert "no trade between TJK and PAK" in absent_pairs(cut, [("TJK", "PAK")])[("TJK", "PAK")]


@pytest.mark.slow
def test_each_pair_of_a_serial_run_is_exactly_its_own_single_pair_outlook(shared, serial):
    outlooks, caught = serial
    assert list(outlooks) == PAIRS and not outlooks.failures
    for pair in PAIRS[1:2]:  # not the first: the pairs before it change nothing
        alone = _quietly(pair_outlook, *shared, pair=pair, **OPTIONS)
        for name, table in alone.tables().items():
            pd.testing.assert_frame_equal(outlooks[pair].tables()[name], table, check_exact=True, obj=name)
        assert outlooks[pair].settings == alone.settings
    # Each pair's warnings come back under its name, its fall-backs stay on its own settings.
    fallback_notes = [m for c, m in caught if c is FallbackWarning]
    assert [m.split(":")[0] for m in fallback_notes] == ["KAZ-PAK", "UZB-PAK", "KGZ-PAK"]
    for pair, note in zip(PAIRS, fallback_notes, strict=True):
        assert f"took {len(outlooks[pair].settings.fallbacks)} fall-back(s)" in note
        assert outlooks[pair].settings.pair == pair


@pytest.mark.slow
def test_stacked_tables_and_overview_carry_the_pair_key(serial):
    outlooks, _ = serial
    turnover = outlooks.table("turnover")
    assert list(turnover.columns) == ["pair", *TABLE_COLUMNS["turnover"]]
    assert turnover.pair.unique().tolist() == ["KAZ-PAK", "UZB-PAK", "KGZ-PAK"]
    assert len(turnover) == sum(len(r.turnover) for r in outlooks.values())
    overview = outlooks.overview()
    assert tuple(overview.columns) == OVERVIEW_COLUMNS
    kaz = overview[(overview.pair == "KAZ-PAK") & (overview.scenario == "trans_afghan_railway")].iloc[0]
    result = outlooks[("KAZ", "PAK")]
    row = result.turnover[
        (result.turnover.scenario == "trans_afghan_railway") & (result.turnover.level == 80)
    ]
    assert kaz.turnover_usd == row["mean"].iloc[-1] and kaz.year == 2028 and kaz.level == 80
    billion = result.billion[
        (result.billion.scenario == "trans_afghan_railway") & (result.billion.year == 2028)
    ]
    assert kaz.probability == billion.probability.iloc[0]
    assert len(overview) == 3 * 3  # statistical, baseline, corridor for each pair
    with pytest.raises(SchemaError, match="did you mean 'turnover'"):
        outlooks.table("turnovers")


def test_failed_pairs_are_named_kept_and_the_rest_still_run(shared, monkeypatch):
    def fails_for_uzbekistan(prepared, gravity, *, pair, **options):
        if pair[0] == "UZB":
            raise SchemaError("no usable series for UZB")
        return f"outlook of {pair}"

    monkeypatch.setattr(many, "pair_outlook", fails_for_uzbekistan)
    with pytest.warns(PairFailedWarning) as caught:
        outlooks = outlook_pairs(*shared, [("KAZ", "PAK"), ("UZB", "PAK"), ("KAZ", "PAQ")], **OPTIONS)
    message = str(caught[0].message)
    assert "2 of 3 pair(s) have no outlook" in message
    assert (
        "UZB-PAK: SchemaError: no usable series for UZB" in message
        and "KAZ-PAQ: absent from the data" in message
    )
    assert list(outlooks.results) == [("KAZ", "PAK")]
    assert set(outlooks.failures) == {("UZB", "PAK"), ("KAZ", "PAQ")}
    assert outlooks.failures[("UZB", "PAK")].traceback.count("fails_for_uzbekistan") == 1
    assert outlooks.failure_table().pair.tolist() == ["UZB-PAK", "KAZ-PAQ"]


def test_failed_pair_lookup_says_why_and_behaves_as_a_missing_key(shared):
    options = {**OPTIONS, "scenarios": {}}
    outlooks, caught = _with_warnings(outlook_pairs, *shared, [("KAZ", "PAK"), ("KAZ", "PAQ")], **options)
    assert [c for c, _ in caught].count(PairFailedWarning) == 1
    with pytest.raises(PairFailedError, match="KAZ-PAQ: absent from the data.*did you mean 'PAK'"):
        outlooks[("KAZ", "PAQ")]
    with pytest.raises(PairFailedError, match="not one of the pairs asked for"):
        outlooks[("TJK", "PAK")]
    assert ("KAZ", "PAQ") not in outlooks and outlooks.get(("KAZ", "PAQ")) is None
    assert ["KAZ", "PAK"] in outlooks and len(outlooks) == 1


def test_on_error_raise_refuses_absent_pairs_before_any_pair_runs(shared, monkeypatch):
    ran = []
    monkeypatch.setattr(many, "pair_outlook", lambda *a, pair, **k: ran.append(pair))
    with pytest.raises(PairsFailedError, match="KAZ-PAQ: absent from the data") as caught:
        outlook_pairs(*shared, [("KAZ", "PAK"), ("KAZ", "PAQ")], on_error="raise", **OPTIONS)
    assert ran == [] and list(caught.value.failures) == [("KAZ", "PAQ")]


def test_on_error_raise_stops_at_the_first_failure_with_the_original_as_cause(shared, monkeypatch):
    ran = []

    def fails_second(prepared, gravity, *, pair, **options):
        ran.append(pair)
        if len(ran) == 2:
            raise ValueError("second pair broke")

    monkeypatch.setattr(many, "pair_outlook", fails_second)
    with pytest.raises(
        PairsFailedError, match="(?s)1 of 3 pair.*UZB-PAK: ValueError: second pair broke"
    ) as caught:
        outlook_pairs(*shared, PAIRS, on_error="raise", **OPTIONS)
    assert ran == PAIRS[:2] and isinstance(caught.value.__cause__, ValueError)


def test_every_pair_failing_raises_even_when_collecting(shared, monkeypatch):
    monkeypatch.setattr(many, "pair_outlook", lambda *a, **k: 1 / 0)
    with pytest.raises(PairsFailedError, match="3 of 3 pair") as caught:
        outlook_pairs(*shared, PAIRS, **OPTIONS)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_arguments_are_checked_before_the_data_is_prepared(monkeypatch):
    monkeypatch.setattr(many, "prepare_data", lambda *a, **k: pytest.fail("prepared before checking"))
    with pytest.raises(SchemaError, match="'horizn' \\(did you mean 'horizon'\\?\\)"):
        outlook_many(PAIRS, horizn=2030)
    with pytest.raises(SchemaError, match="not pair="):
        outlook_many(PAIRS, pair=("KAZ", "PAK"))
    with pytest.raises(SchemaError, match="on_error='ignore' is not valid"):
        outlook_many(PAIRS, on_error="ignore")


def test_horizon_is_checked_before_the_gravity_estimation(shared, monkeypatch):
    monkeypatch.setattr(many, "prepare_data", lambda *a, **k: shared[0])
    monkeypatch.setattr(many, "estimate_gravity", lambda *a: pytest.fail("estimated before checking"))
    with pytest.raises(SchemaError, match="horizon 2025 must be after the last data year 2025"):
        outlook_many(PAIRS, horizon=2025)


def test_a_client_that_is_not_one_is_refused(shared):
    with pytest.raises(Exception, match="client='spark' is not valid; use None, 'local', 'dask'"):
        _quietly(outlook_pairs, *shared, PAIRS[:1], client="spark", **OPTIONS)


class _ScatterSpy:
    """A ``distributed.Client`` that records what is scattered and what each task carries."""

    def __init__(self, client) -> None:
        self.client, self.scattered, self.task_args = client, [], []

    def scatter(self, data, **options):
        self.scattered.append(list(data))
        return self.client.scatter(data, **options)

    def submit(self, func, *args, **options):
        self.task_args.append(args)
        return self.client.submit(func, *args, **options)

    def gather(self, *args, **options):
        return self.client.gather(*args, **options)

    def cancel(self, *args, **options):
        return self.client.cancel(*args, **options)


@pytest.mark.dask
@pytest.mark.slow
def test_two_worker_cluster_gives_exactly_the_serial_numbers_with_inputs_scattered_once(shared, serial):
    distributed = pytest.importorskip("distributed")
    prepared, gravity = shared
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        spy = _ScatterSpy(client)
        asked = [*PAIRS, ("TJK", "PAK")]
        on_cluster, caught = _with_warnings(outlook_pairs, prepared, gravity, asked, client=spy, **OPTIONS)
    outlooks, serial_warnings = serial
    _assert_same_outlooks(on_cluster, outlooks)
    # The same warnings in the same order under the same names; then the failure raised on a worker.
    assert caught[: len(serial_warnings)] == serial_warnings
    failure = on_cluster.failures[("TJK", "PAK")]
    assert failure.error == "MissingDriverError" and "TJK lacks" in failure.message
    assert caught[-1][0] is PairFailedWarning and "TJK-PAK: MissingDriverError" in caught[-1][1]
    assert len(spy.scattered) == 1 and spy.scattered[0][0] is prepared and spy.scattered[0][1] is gravity
    assert len(spy.task_args) == len(asked)
    for args in spy.task_args:  # every task carries the scattered futures, never the data itself
        assert not any(isinstance(a, (PreparedData, GravityEstimate)) for a in args)
        assert all(isinstance(a, distributed.Future) for a in args[:2])


def test_outlook_many_prepares_and_estimates_once_and_routes_each_keyword_to_its_stage(shared, monkeypatch):
    calls = []
    monkeypatch.setattr(many, "prepare_data", lambda flows, **k: calls.append(("prepare", k)) or shared[0])
    monkeypatch.setattr(many, "estimate_gravity", lambda p: calls.append(("estimate", p)) or shared[1])
    monkeypatch.setattr(many, "pair_outlook", lambda p, g, *, pair, **k: calls.append((pair, k)))
    outlook_many(PAIRS[:2], mirror_rule="exporter", draws=50, seed=3)
    assert calls == [
        ("prepare", {"mirror_rule": "exporter"}),
        ("estimate", shared[0]),
        (("KAZ", "PAK"), {"draws": 50, "seed": 3}),
        (("UZB", "PAK"), {"draws": 50, "seed": 3}),
    ]

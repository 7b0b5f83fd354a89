"""``forecasting fetch SOURCE``: download Comtrade, BACI, GeoDist or CEPII Gravity into the cache.

The library does the work (:mod:`forecasting.data.fetch`); this module turns flags into its
keyword arguments, switches the library's hints to flag names (:func:`~forecasting.errors.cli_wording`)
and prints what was fetched, where it is, and how to read it. The Comtrade key is read from
``COMTRADE_API_KEY`` only: a flag would leave it in the shell history and the process list.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

# library keyword -> the flag that sets it here, so library messages name the flag
FLAGS = {
    "endpoint": "--endpoint",
    "release": "--release",
    "hs": "--hs",
    "max_records": "--max-records",
    "max_attempts": "--attempts",
    "max_retry_after_s": "--max-wait",
    "sha256": "--sha256",
    "period": "--period",
    "freq": "--freq",
    "classification": "--classification",
}
SOURCES = {
    "comtrade": "UN Comtrade API: keyless preview, or the data endpoint with COMTRADE_API_KEY",
    "baci": "CEPII BACI: bilateral trade by HS6 product, one zip per release and HS vintage",
    "geodist": "CEPII GeoDist: distances, contiguity, common language; country geography",
    "gravity": "CEPII Gravity: RTA, distance, contiguity, GDP covariates for the gravity panel",
}


def add_fetch_parser(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001 - argparse's own type
    """Register ``fetch`` and one sub-command per source."""
    fetch = sub.add_parser(
        "fetch",
        help="download trade data and gravity covariates (Comtrade, BACI, GeoDist, Gravity) into the cache",
        description="Download a public data source into the local cache (reused on later runs, checksummed,"
        " written atomically). Offline, it stops at once and says which file to download by hand and where"
        " to put it.",
        epilog="Cache folder: FORECASTING_CACHE or the platform's user cache. Mirrors: --url, or"
        " FORECASTING_<SOURCE>_URL (e.g. FORECASTING_BACI_URL). Run 'forecasting fetch SOURCE --help'"
        " for a source's options.",
    )
    sources = fetch.add_subparsers(dest="source", metavar="SOURCE", required=True)

    p = _source_parser(sources, "comtrade")
    p.add_argument(
        "--reporter", nargs="+", default=["KAZ"], help="reporters, ISO3 or Comtrade codes (default KAZ)"
    )
    p.add_argument(
        "--partner",
        nargs="+",
        default=["PAK"],
        help="partners (default PAK; WLD = world; 'all' = every partner)",
    )
    p.add_argument(
        "--period",
        nargs="+",
        required=True,
        help="years (2010-2024 or 2019 2020) or, with --freq M, months (2023-01)",
    )
    p.add_argument(
        "--commodity", nargs="+", default=["TOTAL"], help="HS codes, TOTAL, or AG2..AG6 (default TOTAL)"
    )
    p.add_argument(
        "--hs-level",
        nargs="+",
        type=int,
        choices=(2, 4, 6),
        default=[],
        help="add every HS code of these lengths",
    )
    p.add_argument("--flow", nargs="+", default=["X", "M"], help="X M RX RM, or export import (default X M)")
    p.add_argument("--freq", default="A", choices=("A", "M"), help="annual or monthly (default A)")
    p.add_argument("--classification", default="HS", help="HS (as reported) or H0..H6 (default HS)")
    p.add_argument(
        "--endpoint", default="auto", choices=("auto", "preview", "data"), help="default: data with a key"
    )
    p.add_argument("--max-records", type=int, help="records per request (default: the endpoint's cap)")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between requests (default 1)")

    p = _source_parser(sources, "baci")
    p.add_argument(
        "--hs", default="HS17", help="HS vintage: HS92, HS96, HS02, HS07, HS12, HS17, HS22 (default HS17)"
    )
    p.add_argument("--release", required=True, help="BACI release, e.g. V202401b (CEPII replaces old ones)")
    p.add_argument("--extract", action="store_true", help="also unpack the zip (several GB)")
    p.add_argument("--sha256", help="expected SHA-256 of the zip, when you have one")

    p = _source_parser(sources, "geodist")
    p.add_argument(
        "--tables", nargs="+", default=["dist", "geo"], choices=("dist", "geo"), help="default both"
    )
    p.add_argument("--format", default="dta", choices=("dta", "xls"), help="Stata or Excel (default dta)")

    p = _source_parser(sources, "gravity")
    p.add_argument("--release", default="V202211", help="CEPII Gravity release (default V202211, 1948-2021)")
    p.add_argument("--countries", nargs="+", help="ISO3 codes whose pairs are kept (default: all countries)")
    p.add_argument("--years", nargs="+", help="years to keep, e.g. 2000-2021 (default: all)")
    p.add_argument("--sha256", help="expected SHA-256 of the zip, when you have one")


def _source_parser(sources: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:  # noqa: SLF001
    p = sources.add_parser(name, help=SOURCES[name], description=SOURCES[name] + ".")
    p.add_argument(
        "--url", help=f"mirror to download from (default: $FORECASTING_{name.upper()}_URL or the publisher)"
    )
    p.add_argument("--refresh", action="store_true", help="download again even if a verified copy is cached")
    p.add_argument("--cache-dir", type=Path, help="cache folder for this run (default: $FORECASTING_CACHE)")
    p.add_argument("--attempts", type=_positive_int, default=5, help="attempts per file (default 5)")
    p.add_argument(
        "--max-wait", type=float, default=300.0, help="longest Retry-After to wait, s (default 300)"
    )
    p.add_argument(
        "--connect-timeout", type=float, default=10.0, help="seconds to reach the host (default 10)"
    )
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds of silence during a transfer (default 60)"
    )
    p.set_defaults(func=run_fetch, flags=FLAGS)
    return p


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def years_of(values: list[str] | None) -> list[str] | None:
    """Expand ``2010-2012`` ranges; other values (years, months such as ``2023-01``) pass through.

    Examples
    --------
    >>> years_of(["2010-2012", "2020", "2023-01"])
    ['2010', '2011', '2012', '2020', '2023-01']
    """
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        span = re.fullmatch(r"(\d{4})-(\d{4})", value.strip())
        out.extend(str(y) for y in range(int(span[1]), int(span[2]) + 1)) if span else out.append(value)
    return out


def run_fetch(args: argparse.Namespace) -> int:
    """Run one ``forecasting fetch SOURCE`` command; returns the exit code."""
    if args.cache_dir is not None:
        os.environ["FORECASTING_CACHE"] = str(args.cache_dir)
    result = _FETCHERS[args.source](args, _policy(args))  # the flags are FLAGS' (cli_wording by main)
    _print_result(result, args.source)
    return 0


def _policy(args: argparse.Namespace):  # noqa: ANN202 - RetryPolicy, imported lazily
    from forecasting.data.fetch import RetryPolicy

    return RetryPolicy(
        max_attempts=args.attempts,
        max_retry_after_s=args.max_wait,
        connect_timeout_s=args.connect_timeout,
        timeout_s=args.timeout,
    )


def _comtrade(args: argparse.Namespace, retry):  # noqa: ANN001, ANN202
    from forecasting.data.fetch import fetch_comtrade
    from forecasting.data.fetch.comtrade_query import DATA_PATH, PREVIEW_PATH

    root = args.url.rstrip("/") if args.url else None
    partner = None if [p.lower() for p in args.partner] == ["all"] else args.partner
    return fetch_comtrade(
        args.reporter,
        partner,
        period=years_of(args.period),
        commodity=[*args.commodity, *(f"AG{n}" for n in args.hs_level)],
        flow=args.flow,
        freq=args.freq,
        classification=args.classification,
        endpoint=args.endpoint,
        max_records=args.max_records,
        preview_url=root and root + PREVIEW_PATH,
        data_url=root and root + DATA_PATH,
        refresh=args.refresh,
        retry=retry,
        pause_s=args.pause,
    )


def _baci(args: argparse.Namespace, retry):  # noqa: ANN001, ANN202
    from forecasting.data.fetch import fetch_baci

    return fetch_baci(
        args.hs,
        release=args.release,
        extract=args.extract,
        sha256=args.sha256,
        base_url=args.url,
        refresh=args.refresh,
        retry=retry,
    )


def _geodist(args: argparse.Namespace, retry):  # noqa: ANN001, ANN202
    from forecasting.data.fetch import fetch_geodist

    return fetch_geodist(
        args.tables, format=args.format, base_url=args.url, refresh=args.refresh, retry=retry
    )


def _gravity(args: argparse.Namespace, retry):  # noqa: ANN001, ANN202
    from forecasting.data.fetch import fetch_gravity
    from forecasting.errors import FetchError

    years = years_of(args.years)
    if years is not None and not all(y.isdigit() for y in years):
        raise FetchError(
            f"--years takes years such as 2019 or ranges such as 2000-2021, got {' '.join(args.years)}"
        )
    return fetch_gravity(
        args.release,
        countries=args.countries,
        years=None if years is None else [int(y) for y in years],
        sha256=args.sha256,
        base_url=args.url,
        refresh=args.refresh,
        retry=retry,
    )


_FETCHERS = {"comtrade": _comtrade, "baci": _baci, "geodist": _geodist, "gravity": _gravity}


def _print_result(result, source: str) -> None:  # noqa: ANN001 - FetchResult, imported lazily
    for file in result.files:
        state = "cached    " if file.from_cache else "downloaded"
        rows = "" if file.records is None else f", {file.records} records"
        print(f"{state} {file.path} ({file.size_bytes:,} bytes{rows}, sha256 {file.sha256[:16]}...)")
    if result.extracted_to is not None:
        print(f"extracted  {result.extracted_to}")
    if result.table is not None:
        print(f"covariates {result.table}")
    paths = " ".join(str(p) for p in result.paths)
    hints = {
        "comtrade": f"use it: forecasting outlook --data {paths} --source comtrade",
        "baci": "use it: forecasting read --source baci <yearly BACI_*_Y*.csv files>"
        + (f" in {result.extracted_to}" if result.extracted_to else " (unpack with --extract)"),
        "geodist": "read it with forecasting.data.readers.read_reference_table (Stata) or read_geodist (CSV)",
        "gravity": "merge it into a gravity panel on exporter, importer, year (columns rta, dist_km, contig, ...)",
    }
    print(hints[source])

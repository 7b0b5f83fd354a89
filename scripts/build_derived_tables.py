"""Rebuild the bundled tables derived from ../shared/data and print their sha256.

    .venv/bin/python scripts/build_derived_tables.py [SHARED_DATA_FOLDER]

Writes ``country_geography.csv`` and ``country_pairs.csv`` (from CEPII GeoDist) and
``kz_seasonal_shares.csv`` (from the Kazakh monthly trade tables) into forecasting/datasets/;
copy the printed checksums into forecasting/datasets/catalog.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

from forecasting.data.bundled import datasets_dir
from forecasting.files import atomic_write_text, sha256_file
from forecasting.projection.geography import derive_geography
from forecasting.projection.nowcast import derive_seasonal_shares


def main(shared: Path) -> None:
    geodist, monthly = shared / "cepii_geodist", shared / "kz_bns_monthly_trade"
    countries, pairs = derive_geography(geodist / "geo_cepii.csv", geodist / "dist_cepii.csv")
    shares = derive_seasonal_shares(monthly / "exports.csv", monthly / "imports.csv")
    for name, table in (("country_geography.csv", countries), ("country_pairs.csv", pairs),
                        ("kz_seasonal_shares.csv", shares)):  # fmt: skip
        path = datasets_dir() / name
        atomic_write_text(path, table.to_csv(index=False, lineterminator="\n"))
        print(f"{name}: {len(table)} rows, sha256 {sha256_file(path)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data"))

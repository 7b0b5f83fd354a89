"""manifest.json: what produced a report, from which data, so every number can be traced.

The manifest records the package, Python and key dependency versions, the UTC time, the
SHA-256 and size of every input data file and every written artefact, the scenario
definitions and the run's settings. Its ``generator`` field also marks a directory as a
report directory, which is what lets a later run overwrite it safely.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import forecasting
from forecasting.errors import ForecastingError, describe_items
from forecasting.files import atomic_write_text, file_digest

GENERATOR = "forecasting.report"
MANIFEST_NAME = "manifest.json"
KEY_DEPENDENCIES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "pyfixest",
    "statsforecast",
    "matplotlib",
    "papermill",
    "nbconvert",
    "pyarrow",
)


class MissingInputError(ForecastingError, FileNotFoundError):
    """An input data file named for the manifest does not exist."""


def dependency_versions(names: tuple[str, ...] = KEY_DEPENDENCIES) -> dict[str, str | None]:
    """Installed versions of ``names`` (None for a package that is not installed).

    Examples
    --------
    >>> dependency_versions(("pandas",))["pandas"] is not None
    True
    """
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def json_ready(value: Any) -> Any:
    """Turn settings values (paths, numpy scalars, timestamps, NaN) into plain JSON values.

    Examples
    --------
    >>> import numpy as np, pathlib
    >>> json_ready({"n": np.int64(3), "p": pathlib.Path("a/b"), "x": float("nan")})
    {'n': 3, 'p': 'a/b', 'x': None}
    """
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [json_ready(v) for v in items]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar -> Python scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.datetime)) or hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def input_digests(inputs: Mapping[str, Path]) -> dict[str, dict[str, object]]:
    """Checksum every input file; raise naming all the files that do not exist.

    Examples
    --------
    >>> input_digests({})
    {}
    """
    missing = [f"{name}: {path}" for name, path in inputs.items() if not Path(path).is_file()]
    if missing:
        raise MissingInputError(
            f"{len(missing)} input file(s) for the manifest do not exist: {describe_items(missing)};"
            " pass the paths of the data files the outlook was built from"
        )
    return {
        name: {"path": str(Path(path).resolve())} | file_digest(Path(path)) for name, path in inputs.items()
    }


def artefact_digests(out_dir: Path, paths: list[Path]) -> dict[str, dict[str, object]]:
    """Checksum written artefacts, keyed by their path relative to ``out_dir`` (POSIX form)."""
    return {Path(p).relative_to(out_dir).as_posix(): file_digest(Path(p)) for p in sorted(paths)}


def build_manifest(
    *,
    settings: Mapping[str, Any],
    scenarios: Mapping[str, Any],
    inputs: Mapping[str, dict[str, object]],
    artefacts: Mapping[str, dict[str, object]],
    title: str = "",
    created: dt.datetime | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dictionary.

    Examples
    --------
    >>> m = build_manifest(settings={"demo": True}, scenarios={}, inputs={}, artefacts={})
    >>> m["generator"], m["demo"], m["created_utc"].endswith("Z")
    ('forecasting.report', True, True)
    """
    created = created or dt.datetime.now(dt.UTC)
    return {
        "generator": GENERATOR,
        "title": title,
        "package": {"name": "forecasting", "version": forecasting.__version__},
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation()},
        "platform": platform.platform(),
        "dependencies": dependency_versions(),
        "created_utc": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "demo": bool(settings.get("demo", False)),
        "settings": json_ready(settings),
        "scenarios": json_ready(scenarios),
        "inputs": json_ready(inputs),
        "artefacts": json_ready(artefacts),
    }


def write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``out_dir/manifest.json`` atomically (sorted keys, so runs diff cleanly)."""
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return atomic_write_text(Path(out_dir) / MANIFEST_NAME, text + "\n")


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """Read ``out_dir/manifest.json``."""
    return json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))


def is_report_directory(path: Path) -> bool:
    """True when ``path`` holds a manifest written by this package.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> is_report_directory(pathlib.Path(tempfile.mkdtemp()))
    False
    """
    try:
        return read_manifest(path).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False

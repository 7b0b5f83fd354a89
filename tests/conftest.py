"""Shared test helpers: where ../shared/data is, and how a missing reference file behaves.

Locally a missing reference data set skips the test; in CI (``CI=true``) it fails,
so a broken checkout can never pass by skipping everything.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("FORECASTING_SHARED_DATA", REPO.parent / "shared" / "data"))
SHARED_FACTS = SHARED_DATA.parent / "facts"


def shared_file(relative: str) -> Path:
    """Path of a file under ../shared/data; skip (locally) or fail (CI) when it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        message = f"reference data {path} is missing (expected ../shared/data beside the repository)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder."""
    if not SHARED_DATA.exists():
        shared_file("")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _private_download_cache(tmp_path_factory: pytest.TempPathFactory):
    """Tests never write into the user's cache (downloads, BACI Parquet copies): one per session."""
    if os.environ.get("FORECASTING_CACHE"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORECASTING_CACHE", str(tmp_path_factory.mktemp("forecasting-cache")))
        yield


@pytest.fixture(scope="session")
def outlook():
    """A small real outlook run on the bundled demo panel, once per test session (per worker).

    ``forecasting.projection.pipeline.example_outlook``: the status quo, the Trans-Afghan railway
    and the border-closure stress test, 60 draws (20 in GE), to 2035. Tests must not modify it.
    """
    from forecasting.errors import DemoDataWarning, FallbackWarning
    from forecasting.projection.pipeline import example_outlook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoDataWarning)
        warnings.simplefilter("ignore", FallbackWarning)  # recorded in its settings, checked by the tests
        return example_outlook()

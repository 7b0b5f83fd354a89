"""Fetchers: download public trade data into a local cache, verified and written atomically.

Readers (``forecasting.data.readers``) never touch the network; these functions do, and
only these. Sources: UN Comtrade (:func:`fetch_comtrade`), CEPII BACI (:func:`fetch_baci`),
CEPII GeoDist (:func:`fetch_geodist`) and the CEPII Gravity database for the gravity
covariates (:func:`fetch_gravity`). Every download

- lands in a cache folder (``FORECASTING_CACHE`` or the platform's user cache, see
  :func:`cache_dir`) and is reused on later calls without any request;
- is written to a temporary file and renamed into place only when complete, so no
  half-written file ever sits under the final name;
- is checked against a known SHA-256 when one is given, and otherwise has its digest
  recorded in a ``.sha256`` sidecar that is verified whenever the copy is reused;
- is retried with exponential backoff and jitter on HTTP 429/5xx and cut-short transfers,
  honouring ``Retry-After``; an offline machine gets an immediate, explanatory
  :class:`~forecasting.errors.FetchError` saying what to download by hand and where to put it;
- can come from a mirror: each source's address is an argument and an environment variable
  (:data:`SOURCE_URLS`, :func:`mirror_variable`, :func:`source_url`).

Examples
--------
>>> import forecasting.data.fetch as fetch
>>> fetch.baci_remote("HS17", release="V202401b").filename
'BACI_HS17_V202401b.zip'
"""

from __future__ import annotations

from .cache import CACHE_ENV, cache_dir, sha256_file
from .cepii import baci_remote, fetch_baci, fetch_geodist, geodist_remotes, known_files
from .cepii_gravity import COVARIATE_COLUMNS, GRAVITY_RELEASE, fetch_gravity, gravity_remote
from .comtrade import API_KEY_ENV, fetch_comtrade
from .core import SOURCE_URLS, FetchedFile, FetchResult, RemoteFile, fetch_url, mirror_variable, source_url
from .retry import RetryPolicy

__all__ = [
    "API_KEY_ENV",
    "CACHE_ENV",
    "COVARIATE_COLUMNS",
    "GRAVITY_RELEASE",
    "SOURCE_URLS",
    "FetchResult",
    "FetchedFile",
    "RemoteFile",
    "RetryPolicy",
    "baci_remote",
    "cache_dir",
    "fetch_baci",
    "fetch_comtrade",
    "fetch_geodist",
    "fetch_gravity",
    "fetch_url",
    "geodist_remotes",
    "gravity_remote",
    "known_files",
    "mirror_variable",
    "sha256_file",
    "source_url",
]

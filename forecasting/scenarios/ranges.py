"""Ranges as distributions: the low/central/high of a parameter, and a corridor's opening years.

Every uncertain scenario parameter is drawn from its range by one rule, so the Monte Carlo of
the outlook and the tables that describe it agree:

* a continuous parameter given as ``low``, ``central``, ``high`` (a shock's days or dollars,
  route availability, the delivered share of a contract) is **triangular** with its mode at
  ``central`` (:func:`triangular_value`). Quantile ``u`` runs from ``low`` (``u = 0``, the
  conservative case: less trade) to ``high`` (``u = 1``), whatever the sign of the values;
* a whole number of years given as first, central and last (a ramp-up, an opening year) is
  **discrete triangular**: weights fall linearly from the central year to one step beyond
  each end (:func:`discrete_triangular`);
* an opening year may also not come at all: :class:`OpeningYears` adds the probability that
  the corridor has not opened by a given year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecasting.scenarios._checks import number_problem, raise_problems, unknown_keys, year_problem

__all__ = ["OpeningYears", "discrete_quantile", "discrete_triangular", "triangular_value"]


def triangular_value(low: float, central: float, high: float, u: Any) -> np.ndarray:
    """The quantile ``u`` of the triangular distribution from ``low`` to ``high`` with mode ``central``.

    ``u = 0`` gives ``low`` and ``u = 1`` gives ``high`` even when ``high < low`` (a shock whose
    optimistic case is the more negative number, like days saved).

    Examples
    --------
    >>> triangular_value(-5.0, -10.0, -15.0, [0.0, 0.5, 1.0]).round(3).tolist()
    [-5.0, -10.0, -15.0]
    >>> float(triangular_value(0.5, 0.85, 1.0, 0.5).round(3))
    0.796
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    span = high - low
    if span == 0:
        return np.full(u.shape, float(central))
    mode = (central - low) / span  # the mode's position on [0, 1], where the CDF reaches ``mode``
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.sqrt(u * mode)
        falling = 1.0 - np.sqrt((1.0 - u) * (1.0 - mode))
    t = np.where(u <= mode, rising, falling)
    return low + t * span


def discrete_triangular(first: int, central: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers ``first..last`` and their probabilities, peaking at ``central``.

    Examples
    --------
    >>> values, p = discrete_triangular(2, 4, 6)
    >>> values.tolist(), p.round(3).tolist()
    ([2, 3, 4, 5, 6], [0.111, 0.222, 0.333, 0.222, 0.111])
    """
    values = np.arange(first, last + 1)
    weights = np.where(
        values <= central,
        (values - first + 1) / (central - first + 1),
        (last - values + 1) / (last - central + 1),
    )
    return values, weights / weights.sum()


def discrete_quantile(values: np.ndarray, probabilities: np.ndarray, u: Any) -> np.ndarray:
    """The value whose cumulative probability first reaches ``u`` (inverse CDF), for each ``u``.

    Examples
    --------
    >>> discrete_quantile(np.array([1, 2]), np.array([0.25, 0.75]), [0.1, 0.3]).tolist()
    [1, 2]
    """
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0
    index = np.searchsorted(cumulative, np.clip(np.asarray(u, dtype=float), 0.0, 1.0), side="left")
    return values[np.minimum(index, len(values) - 1)]


@dataclass(frozen=True)
class OpeningYears:
    """When a corridor opens: earliest, central and latest year, and the chance it does not open.

    With probability ``not_open_probability`` the corridor has not opened by ``not_open_by``
    (default ``latest``); the outlook keeps it closed to its horizon in those draws (it knows
    nothing of later years). Otherwise the opening year is discrete triangular on
    ``earliest..latest`` with its peak at ``central`` (:func:`discrete_triangular`).

    ``central`` is the opening year the scenario's shocks are written for (their
    ``start_year``); each draw moves every trade-cost shock of the scenario by the same number
    of years (:meth:`Scenario.delayed <forecasting.scenarios.Scenario.delayed>`).

    Examples
    --------
    >>> rail = OpeningYears(earliest=2030, central=2033, latest=2040, not_open_probability=0.25,
    ...                     note="assumption")
    >>> round(rail.probability_open_by(2035), 3), round(rail.probability_open_by(2040), 3)
    (0.516, 0.75)
    """

    earliest: int
    central: int
    latest: int
    not_open_probability: float = 0.0
    not_open_by: int | None = None
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        found: list[str] = []
        for name in ("earliest", "central", "latest"):
            found += year_problem(f"opening {name}", getattr(self, name))
        found += number_problem("opening not_open_probability", self.not_open_probability, low=0.0, high=1.0)
        if self.not_open_by is not None:
            found += year_problem("opening not_open_by", self.not_open_by)
        if not found and not self.earliest <= self.central <= self.latest:
            found.append(
                f"opening years must run earliest <= central <= latest, got {self.earliest}, {self.central},"
                f" {self.latest}"
            )
        if not found and self.not_open_by is not None and self.not_open_by < self.latest:
            found.append(
                f"opening not_open_by {self.not_open_by} is before the latest opening year {self.latest}"
            )
        if not found and self.not_open_probability >= 1.0:
            found.append("opening not_open_probability 1 means the corridor never opens; drop the scenario")
        if not (self.source or self.note):
            found.append("opening years need a source or a note marking them as an assumption")
        raise_problems("Opening years", found)
        if isinstance(self.not_open_probability, int):
            object.__setattr__(self, "not_open_probability", float(self.not_open_probability))

    @property
    def horizon_known(self) -> int:
        """Last year the distribution speaks about (``not_open_by``, else ``latest``)."""
        return self.latest if self.not_open_by is None else self.not_open_by

    @property
    def is_certain(self) -> bool:
        """True when the opening year is one known year."""
        return self.earliest == self.latest and self.not_open_probability == 0.0

    def years(self) -> tuple[np.ndarray, np.ndarray]:
        """Possible opening years and their probabilities, without the not-opened share."""
        values, p = discrete_triangular(self.earliest, self.central, self.latest)
        return values, p * (1.0 - self.not_open_probability)

    def probability_open_by(self, year: int) -> float:
        """Probability the corridor has opened in or before ``year``."""
        values, p = self.years()
        return float(p[values <= year].sum())

    def draw(self, u: Any) -> np.ndarray:
        """Opening years at quantiles ``u`` (``u`` near 0: the latest, the conservative case);
        ``-1`` marks a draw in which the corridor does not open.

        Examples
        --------
        >>> OpeningYears(2030, 2033, 2036, 0.2, note="assumption").draw([0.1, 0.9]).tolist()
        [-1, 2031]
        """
        v = 1.0 - np.clip(np.asarray(u, dtype=float), 0.0, 1.0)  # v near 1: late or not at all
        opens = 1.0 - self.not_open_probability
        values, p = discrete_triangular(self.earliest, self.central, self.latest)
        years = discrete_quantile(values, p, np.minimum(v / opens, 1.0))
        return np.where(v > opens, -1, years).astype(int)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary; optional fields are left out when unset."""
        out: dict[str, Any] = {"earliest": self.earliest, "central": self.central, "latest": self.latest}
        if self.not_open_probability:
            out["not_open_probability"] = self.not_open_probability
        if self.not_open_by is not None:
            out["not_open_by"] = self.not_open_by
        out.update({k: getattr(self, k) for k in ("source", "note") if getattr(self, k)})
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> OpeningYears:
        """Inverse of :meth:`to_dict`."""
        allowed = ("earliest", "central", "latest", "not_open_probability", "not_open_by", "source", "note")
        found = unknown_keys(raw, allowed, "opening")
        found += [f"opening: missing key {k!r}" for k in ("earliest", "central", "latest") if k not in raw]
        raise_problems("Opening years", found)
        return cls(**raw)

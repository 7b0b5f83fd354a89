"""How often growth that the default's paths give almost no chance has happened on real trade series.

The chance of reaching a target (USD 1 bn) is the share of draws that reach it. When none or
almost none do, the chance reads 0 % or a fraction of a percent, and it is too small: the far
upper tail of the paths rests on a few calibration errors per series. On TRADHIST's bilateral
trade (evaluation half; full histories and histories cut to 12 years), growth to a multiple
of the last level that none of the paths reached still happened in ``HAPPENED_AT_ZERO`` of the
cases, and growth they gave at most 1 % in ``HAPPENED_UNDER_SMALL``
(``python benchmarks/accuracy_real_data.py --sections exceedance --out FILE``; ``SOURCE``). Chances of
20-50 % went the other way (0.34 given, 0.26-0.29 happened). The report says so beside every
chance below ``SMALL_CHANCE``; the number itself is the share of draws, as stated.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: Chances (as shares) below this are read with :func:`small_chance_note`.
SMALL_CHANCE = 0.01
#: Share that happened, (lowest, highest) over full and 12-year histories, where the paths gave 0.
HAPPENED_AT_ZERO = (0.0096, 0.0136)
#: The same where the paths gave more than 0 and at most ``SMALL_CHANCE``.
HAPPENED_UNDER_SMALL = (0.0200, 0.0370)
SOURCE = "benchmarks/results/accuracy_real_data.md, 'Chances of large growth', evaluation set"


def small_chance_note(chances: Iterable[float]) -> str:
    """A sentence for a report when any of ``chances`` (shares, 0-1) is below ``SMALL_CHANCE``, else "".

    Examples
    --------
    >>> small_chance_note([0.3, 0.05])
    ''
    >>> small_chance_note([0.0, 0.2]).split(":")[0]
    'A chance under 1 % is not an impossibility'
    """
    values = np.asarray(list(chances), dtype=float)
    values = values[~np.isnan(values)]  # not shown, not judged
    if not len(values) or values.min() >= SMALL_CHANCE:
        return ""
    zero, small = (
        f"{100 * low:.1f}-{100 * high:.1f} %" for low, high in (HAPPENED_AT_ZERO, HAPPENED_UNDER_SMALL)
    )
    return (
        "A chance under 1 % is not an impossibility: on real bilateral trade series (TRADHIST benchmark), growth"
        f" that none of the default's paths reached still happened in {zero} of cases, and growth they gave at"
        f" most 1 % in {small}; read it as 'a few percent at most'."
    )

"""Argument checks shared by every layer: valid choices and "did you mean" hints.

One spelling of each check keeps messages alike across the toolkit: the name of the
argument (as the user typed it), the value given, the closest valid spellings and the
full list of valid ones. Missing-column checks go through :func:`forecasting.schema.require_columns`.
"""

from __future__ import annotations

import difflib
import numbers
import os
from collections.abc import Iterable
from typing import get_args

from forecasting.errors import OptionError, SchemaError

__all__ = ["check_choice", "choice_problem", "closest", "did_you_mean", "job_count", "valid_choices"]


def closest(word: object, choices: Iterable[object], *, n: int = 2, cutoff: float = 0.6) -> list[str]:
    """The spellings among ``choices`` closest to ``word`` (at most ``n``), best first.

    A choice that differs from ``word`` only in letter case is preferred.

    Examples
    --------
    >>> closest("KZA", ["KAZ", "PAK", "CHN"])
    ['KAZ']
    """
    text = str(word)
    options = [str(c) for c in choices]
    same_letters = [c for c in options if c.lower() == text.lower() and c != text]
    return same_letters[:n] or difflib.get_close_matches(text, options, n=n, cutoff=cutoff)


def did_you_mean(word: object, choices: Iterable[object], *, n: int = 2, cutoff: float = 0.6) -> str:
    """A ``" (did you mean 'x'?)"`` hint naming the closest of ``choices``, or an empty string.

    Examples
    --------
    >>> did_you_mean("textile", ["textiles", "pharma", "coal"])
    " (did you mean 'textiles'?)"
    >>> did_you_mean("zzz", ["coal"])
    ''
    """
    found = closest(word, choices, n=n, cutoff=cutoff)
    return f" (did you mean {' or '.join(repr(f) for f in found)}?)" if found else ""


def valid_choices(valid: object) -> tuple[object, ...]:
    """The valid values of a ``Literal`` alias or of a plain sequence of choices."""
    options = get_args(valid)
    if options:
        return tuple(options)
    if isinstance(valid, str):
        return (valid,)
    return tuple(valid)  # type: ignore[arg-type]


def choice_problem(name: str, value: object, valid: object) -> list[str]:
    """One sentence when ``value`` is not a valid spelling of ``name`` (empty list when it is).

    Examples
    --------
    >>> choice_problem("kind", "ful", ("full", "conditional"))
    ["kind='ful' is not valid (did you mean 'full'?); use one of 'full', 'conditional'"]
    """
    options = valid_choices(valid)
    if value in options:
        return []
    hint = did_you_mean(value, options)
    return [f"{name}={value!r} is not valid{hint}; use one of {', '.join(repr(v) for v in options)}"]


def check_choice(name: str, value: object, valid: object, *, error: type[Exception] = SchemaError) -> None:
    """Raise ``error`` (a :class:`~forecasting.errors.SchemaError` by default) for an invalid choice.

    ``valid`` is a ``Literal`` alias or a sequence of the valid values; ``name`` is the
    argument as the user spells it (a keyword in Python, a flag on the command line).

    Examples
    --------
    >>> check_choice("kind", "full", ("full", "conditional"))
    >>> check_choice("kind", "partial", ("full", "conditional"))
    Traceback (most recent call last):
    ...
    forecasting.errors.SchemaError: kind='partial' is not valid; use one of 'full', 'conditional'
    """
    found = choice_problem(name, value, valid)
    if found:
        raise error(found[0])


def job_count(value: object, *, name: str = "n_jobs") -> int:
    """The number of worker processes ``value`` asks for: a positive whole number, or -1 for one per core.

    -1 means what it means in scikit-learn, joblib and statsforecast. Anything else (0, -2, 1.5,
    True) is refused with :class:`~forecasting.errors.OptionError` naming ``name``, rather than
    run on one process without a word.

    Examples
    --------
    >>> job_count(2)
    2
    >>> job_count(-1) == (os.cpu_count() or 1)
    True
    >>> job_count(0)
    Traceback (most recent call last):
    ...
    forecasting.errors.OptionError: n_jobs=0 is not valid: give a positive number of worker processes, or -1 for one per core
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value >= 1:
            return int(value)
        if value == -1:
            return os.cpu_count() or 1
    raise OptionError(
        f"{name}={value!r} is not valid: give a positive number of worker processes, or -1 for one per core"
    )

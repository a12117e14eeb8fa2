"""Argument checks shared by the package's wrappers: a value that is not what a keyword
promises raises ValueError here instead of being coerced (``"10"`` is not an integer,
``True`` is not a count)."""

from __future__ import annotations

import os

import numpy as np


def integer(value, name: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def integers(values, name: str) -> list[int]:
    """A sequence of integers (each checked as ``integer`` does); bounds are the core's to check."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of integers, got {values!r}")
    try:
        items = list(values)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of integers, got {values!r}") from None
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be a sequence of integers, got {v!r} in it")
    return [int(v) for v in items]


def path(out) -> str:
    """An optional output path as the core takes it ("" = none)."""
    return "" if out is None else os.fspath(out)

"""Argument checks shared by the package's wrappers: a value that is not what a keyword
promises raises ValueError here instead of being coerced (``"10"`` is not an integer,
``True`` is not a count, ``"no"`` is not a boolean)."""

from __future__ import annotations

import math
import os

import numpy as np

# Seeds are unsigned 63-bit integers everywhere (CLI and Python), so no seed wraps around.
SEED_MAX = 2**63 - 1


def integer(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def optional_integer(value, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
    return None if value is None else integer(value, name, minimum, maximum)


def seed(value, name: str = "seed") -> int:
    """A seed: an integer in 0..2**63-1."""
    return integer(value, name, minimum=0, maximum=SEED_MAX)


def boolean(value, name: str) -> bool:
    """True or False (numpy booleans too); a string such as "no" is not a boolean."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def real(value, name: str, minimum: float | None = None) -> float:
    """A finite number (an int is fine; a string or a bool is not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return x


def text(value, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string, got {value!r}")
    return value


def array(value, name: str) -> np.ndarray:
    """A real numeric array as float64; strings, objects and complex numbers are refused
    instead of being converted (the C++ core then checks shape and finiteness)."""
    a = np.asarray(value)
    if a.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def path(out) -> str:
    """An optional output path as the core takes it ("" = none)."""
    return "" if out is None else os.fspath(out)

"""Model types: ``names()``, ``describe(name)``, ``params(name)``.

Each type declares its ``[model]`` keys once in the C++ registry; configs, ``rnnscope
models show TYPE`` and these functions all read the same declarations.
"""

from __future__ import annotations

from . import _core


def names() -> list[str]:
    """Names of every registered model type (what ``[model] type`` accepts)."""
    return list(_core.model_names())


def describe(name: str) -> str:
    """Summary and parameters (with defaults) of a model type, as text."""
    return _core.describe_model(name)


def params(name: str) -> list[dict]:
    """The ``[model]`` keys of a type besides ``type``: dicts with name, kind, default, doc."""
    return list(_core.model_params(name))

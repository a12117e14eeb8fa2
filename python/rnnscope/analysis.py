"""The latent-geometry analyses on any arrays, under the name a neuroscientist looks for:
``rnnscope.analysis.decode(x, y)`` is ``rnnscope.geometry.decode(x, y)`` (docs/nback.md
"Latent-geometry analyses"). One implementation, in C++ behind ``rnnscope.geometry``."""

from .geometry import cross_decode, decode, orthogonalization_index, procrustes

__all__ = ["decode", "cross_decode", "orthogonalization_index", "procrustes"]

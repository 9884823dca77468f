"""convlab: the convolution lesson's arithmetic, animations, data, model and training.

The names below are imported from their modules when first used, so that ``import convlab`` (and the
``convlab`` command's start) costs nothing until something is asked for.
"""

import importlib

_MODULE_OF = {
    "Convolution": "arithmetic",
    "Geometry": "arithmetic",
    "convolve": "arithmetic",
    "convolve_channels": "arithmetic",
    "output_size": "arithmetic",
    "UsageError": "errors",
    "PoolGeometry": "pooling",
    "Pooling": "pooling",
    "pool": "pooling",
    "pool_output_size": "pooling",
    "Settings": "records",
    "TransposedConvolution": "transposed",
    "TransposedGeometry": "transposed",
    "conv_transpose": "transposed",
    "transposed_output_size": "transposed",
}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'convlab' has no attribute {name!r}")
    return getattr(importlib.import_module(f"convlab.{_MODULE_OF[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""convlab: the convolution lesson's arithmetic, animations, data, model and training."""

from convlab.arithmetic import Convolution, Geometry, convolve, convolve_channels, output_size
from convlab.errors import UsageError
from convlab.pooling import PoolGeometry, Pooling, pool, pool_output_size
from convlab.records import Settings
from convlab.transposed import TransposedConvolution, TransposedGeometry, conv_transpose, transposed_output_size

__all__ = [
    "Convolution",
    "Geometry",
    "PoolGeometry",
    "Pooling",
    "Settings",
    "TransposedConvolution",
    "TransposedGeometry",
    "UsageError",
    "conv_transpose",
    "convolve",
    "convolve_channels",
    "output_size",
    "pool",
    "pool_output_size",
    "transposed_output_size",
]

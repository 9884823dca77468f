"""convlab: the convolution lesson's arithmetic, animations, data, model and training."""

from convlab.arithmetic import Convolution, Geometry, convolve, output_size
from convlab.errors import UsageError

__all__ = ["Convolution", "Geometry", "UsageError", "convolve", "output_size"]

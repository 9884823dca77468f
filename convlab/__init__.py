"""convlab: the convolution lesson's arithmetic, animations, data, model and training."""

from convlab.arithmetic import Geometry, output_size

__all__ = ["Geometry", "output_size"]

"""A notebook's inline picture: the PNG, its size and its alt text."""

import base64
import io
import re

import matplotlib.pyplot as plt
from PIL import Image

from convlab.pictures import inline_picture


def test_an_inline_picture_states_the_size_of_its_png_and_escapes_its_alt_text():
    figure, axis = plt.subplots(figsize=(3, 2))
    axis.plot([0, 1], [1, 0])
    tag = inline_picture(figure, 'a line "falling" <left to right>')
    assert not plt.get_fignums()  # the figure was closed
    source, alt, width, height = re.fullmatch(
        r'<img src="data:image/png;base64,([^"]+)" alt="([^"]*)" width="(\d+)" height="(\d+)">', tag
    ).groups()
    assert Image.open(io.BytesIO(base64.b64decode(source))).size == (int(width), int(height))
    assert alt == "a line &quot;falling&quot; &lt;left to right&gt;"

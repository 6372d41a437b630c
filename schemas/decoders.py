"""Which decoder reads FIT files (no import of polars here: the config and the command
line read these names before any data is touched)."""

from __future__ import annotations

from typing import Literal

#: `fast` (transforms/fit_fast.py, numpy over whole definitions) or `fitparse` (the
#: reference, transforms/fit_decode.py).
Decoder = Literal["fast", "fitparse"]
DECODERS: tuple[str, ...] = ("fast", "fitparse")
DEFAULT_DECODER: Decoder = "fast"

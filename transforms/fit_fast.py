"""A FIT decoder that reads each definition's data messages all at once with numpy."""

from __future__ import annotations

from schemas.fit import DecodedFit


class FastDecodeUnsupported(Exception):
    """The file holds something the fast decoder does not read; fitparse reads it."""


def decode_fit_fast(data: bytes) -> DecodedFit:
    """Decode FIT bytes into the frames `transforms.fit_decode.decode_fit_fitparse` gives."""
    raise FastDecodeUnsupported("not built yet")

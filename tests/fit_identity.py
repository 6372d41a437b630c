"""Compare two decodings of a FIT file (the product's comparison, transforms/fit_compare.py,
which `musclebalance ingest --verify-decoder` uses too)."""

from transforms.fit_compare import differences

__all__ = ["differences"]

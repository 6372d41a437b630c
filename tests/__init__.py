"""The test suite (a package, so `tests.helpers` resolves to this folder and not to a
top-level `tests` package some installed distribution ships)."""

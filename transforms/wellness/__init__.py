"""Readers of recovery and body-composition inputs (schemas/wellness.py)."""

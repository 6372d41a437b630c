"""Readers of recovery and body-composition inputs, one module per format."""

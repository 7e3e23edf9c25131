"""Slipway policy rules: one concern per module, plain functions the pack wraps (pack.py)."""

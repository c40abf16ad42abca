"""Operational scripts: `python -m scripts.up` is what `make up` runs."""

"""Synthetic demo cohort (``python -m novamind_core seed-demo``). Development and testing only."""

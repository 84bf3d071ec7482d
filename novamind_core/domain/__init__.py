"""Domain model: standard library only (no numpy, no SQLAlchemy, no Streamlit)."""

# The instrument table is whole only once the step-15 instruments have joined it (see domain/instruments.py).
from novamind_core.domain import instrument_screeners as _instrument_screeners  # noqa: E402,F401

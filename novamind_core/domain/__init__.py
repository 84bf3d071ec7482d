"""Domain model: standard library only (no numpy, no SQLAlchemy, no Streamlit)."""

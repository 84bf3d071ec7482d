"""Streamlit widgets and pure Plotly builders shared by the pages."""

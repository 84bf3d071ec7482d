"""Clinic outcomes screen (clinic lead): pure Plotly builders, widgets and report exports."""

"""Novamind core: the Streamlit-free engine behind the clinician dashboard.

Decision support for research and demonstration; not a medical device.
"""

__version__ = "0.1.0"

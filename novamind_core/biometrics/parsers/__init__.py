"""Parsers for wearable files: each returns plain tables or series and raises ``ImportProblems`` listing every
problem (row, column, value, message); a file with a problem yields nothing."""

from novamind_core.biometrics.parsers.actiwatch import read_awd
from novamind_core.biometrics.parsers.apple_health import read_apple_health
from novamind_core.biometrics.parsers.csv_files import read_activity_csv, read_daily_csv
from novamind_core.biometrics.parsers.fitbit import read_fitbit_json

__all__ = ["read_activity_csv", "read_apple_health", "read_awd", "read_daily_csv", "read_fitbit_json"]

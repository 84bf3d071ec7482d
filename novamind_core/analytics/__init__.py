"""Population analytics over de-identified data (pure: arrays and dataclasses in and out)."""

"""Components of the cohort screen."""

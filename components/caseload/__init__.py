"""Components of the caseload screen."""

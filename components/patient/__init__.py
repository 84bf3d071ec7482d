"""Components of the patient screen."""

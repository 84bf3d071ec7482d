"""Components of the twin screen."""

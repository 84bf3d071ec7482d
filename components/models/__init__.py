"""Components of the models screen."""

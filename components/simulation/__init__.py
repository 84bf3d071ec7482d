"""Components of the simulation screen."""

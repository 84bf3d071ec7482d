"""Components of the admin screen."""

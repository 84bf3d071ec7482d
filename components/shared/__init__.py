"""Components of the shared screens (shared by every page)."""

"""Admin: staff views."""

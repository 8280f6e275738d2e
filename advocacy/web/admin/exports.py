"""Admin: exports views."""

"""Admin: dashboard views."""

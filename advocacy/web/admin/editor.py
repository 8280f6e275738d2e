"""Admin: editor views."""

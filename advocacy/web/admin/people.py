"""Admin: people views."""

"""Admin: account views."""

"""Admin: moderation views."""

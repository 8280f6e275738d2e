"""Admin: allies, their embed origins, webhooks and the embed snippet generator."""

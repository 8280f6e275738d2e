"""Admin: rate limits, what tripped them, and tuning."""

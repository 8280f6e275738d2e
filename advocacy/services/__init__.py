"""Use cases. Each takes the session and its collaborators explicitly, flushes, and never commits."""

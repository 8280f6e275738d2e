"""Domain types, errors and rules: plain Python, no Flask, no database."""

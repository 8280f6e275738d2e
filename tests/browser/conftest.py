"""Browser tests: the fixtures (browser, live_server, page) live in tests/conftest.py."""

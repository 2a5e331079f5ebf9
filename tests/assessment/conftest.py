"""Browser fixtures for the player tests come from the tests/e2e/fixtures.py plugin."""

"""The README's settings table names every environment variable the settings read."""

from __future__ import annotations

from advocacy.config import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


class Recorder(dict):
    """An empty environment that remembers every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


def test_every_setting_is_in_the_readme():
    environ = Recorder()
    Settings.from_env(environ)
    assert len(environ.asked) > 40
    assert sorted(name for name in environ.asked if f"`{name}`" not in README) == []


def test_the_hardening_settings_are_documented_with_their_defaults():
    for name, default in [("ADVOCACY_LIMIT_SIGN", "5/minute;20/hour"), ("ADVOCACY_LIMIT_EMAIL", "10/hour"),
                          ("ADVOCACY_LIMIT_OFFICE", "300/day"), ("ADVOCACY_MIN_FILL_SECONDS", "3")]:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{name}`"))
        assert f"`{default}`" in row, name
    assert "## Security" in README and "/admin/limits" in README

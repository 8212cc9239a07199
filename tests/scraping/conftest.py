"""Fixtures for scraping tests: the fake job boards on loopback and settings pointing at them."""
import pytest

from scraping.testing import BoardServer


@pytest.fixture
def scraping_settings(monkeypatch):
    """Set scraping settings for this test, in Django settings (when configured) and the environment."""
    from django.conf import settings
    from django.test import override_settings

    overrides = []

    def apply(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, str(value))
        if settings.configured:
            override = override_settings(**values)
            override.enable()
            overrides.append(override)

    yield apply
    for override in reversed(overrides):
        override.disable()


@pytest.fixture
def boards(scraping_settings):
    """A running BoardServer; the source base URLs point at it."""
    with BoardServer() as server:
        scraping_settings(**server.settings())
        yield server

"""The HTTP API: app factory, gateway behaviour (auth, limits, errors), routes per product."""

from secmon.api.app import create_app
from secmon.api.settings import Settings

__all__ = ["Settings", "create_app"]

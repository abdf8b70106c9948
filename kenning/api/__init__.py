"""The HTTP API: `create_app(service, token=None)` builds the FastAPI app."""

from kenning.api.app import create_app

__all__ = ["create_app"]

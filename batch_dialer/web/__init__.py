"""The web console (FastAPI, server-rendered Jinja2 pages) and its JSON API under /api."""

from batch_dialer.web.app_factory import create_app

__all__ = ["create_app"]

"""The agent desk's pages and API as one router (one line in the app factory)."""

from __future__ import annotations

from fastapi import APIRouter

from batch_dialer.web import desk_api, desk_pages

__all__ = ["router"]

router = APIRouter()
router.include_router(desk_pages.router)
router.include_router(desk_api.router)

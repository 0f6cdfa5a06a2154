"""Contacts pages: search across campaigns, a contact's history, its tags (managers edit them)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import PageManager, PageUser
from batch_dialer.web.contact_history import add_tag, contact_card, remove_tag, search_contacts
from batch_dialer.web.csrf import check_csrf

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/contacts")
def contacts_view(request: Request, user: PageUser, q: str = "", tag: str = "") -> Response:
    state = web_state(request)
    found: list[dict[str, Any]] = []
    total = 0
    if q.strip() or tag.strip():
        found, total = search_contacts(state.engine, q[:100], unmasked=user.role == "manager", tag=tag[:100])
    context = {"user": user, "q": q, "tag": tag, "found": found, "total": total}
    return state.templates.TemplateResponse(request, "contacts.html", context)


@router.get("/contacts/{contact_id}")
def contact_view(request: Request, contact_id: int, user: PageUser, error: str | None = None) -> Response:
    state = web_state(request)
    card = contact_card(state.engine, contact_id, unmasked=user.role == "manager")
    if card is None:
        raise HTTPException(404, "没有这个联系人 / no such contact")
    context = {"user": user, "card": card, "error": error}
    return state.templates.TemplateResponse(
        request, "contact.html", context, status_code=422 if error else 200
    )


@router.post("/contacts/{contact_id}/tags")
async def contact_tags(request: Request, contact_id: int, user: PageManager) -> Response:
    form = await request.form()
    check_csrf(request, user, form)
    engine = web_state(request).engine
    try:
        if form.get("remove"):
            await run_in_threadpool(remove_tag, engine, contact_id, str(form.get("remove")))
        else:
            await run_in_threadpool(add_tag, engine, contact_id, str(form.get("tag") or ""))
    except ValueError as exc:
        return await run_in_threadpool(contact_view, request, contact_id, user, str(exc))
    return RedirectResponse(f"/contacts/{contact_id}", status_code=303)

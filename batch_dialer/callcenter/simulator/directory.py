"""The centre's contacts (§19 ContactsSrvlt) and opportunities (§20 PreorderSrvlt), all-or-nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PHONE_TIDS", "Directory", "DirectoryError"]

#: Contact detail types that hold phone numbers (1 mobile, 2 landline).
PHONE_TIDS = (1, 2)


class DirectoryError(Exception):
    """Carries the document's status code: 400 bad data, 483 duplicate."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Contact:
    id: int
    cname: str
    localuser: int
    gid: int
    details: list[tuple[int, str]]


@dataclass
class Preorder:
    id: int
    cname: str
    telnum: str
    product: str
    comment: str
    qq: str
    contact_id: int | None


@dataclass
class Directory:
    contacts: list[Contact] = field(default_factory=list)
    preorders: list[Preorder] = field(default_factory=list)
    products: set[str] = field(default_factory=set)
    _phones: dict[str, int] = field(default_factory=dict)
    _preorder_keys: set[tuple[str, str]] = field(default_factory=set)

    def cname_for(self, phone: str) -> str:
        contact_id = self._phones.get(phone)
        return self.contacts[contact_id - 1].cname if contact_id else ""

    def add_contacts(self, data: str | None) -> int:
        """Store every contact or none; returns how many were stored."""
        entries = _entries(data, "contacts")
        parsed: list[Contact] = []
        seen: set[str] = set()
        for entry in entries:
            cname = _text(entry, "cname", required=True)
            details = entry.get("details", [])
            if not isinstance(details, list):
                raise DirectoryError(400, "details must be a list")
            pairs = [
                (_integer(d, "tid", None), _text(d, "cvalue", required=True)) for d in map(_obj, details)
            ]
            for tid, cvalue in pairs:
                if tid in PHONE_TIDS and (cvalue in self._phones or cvalue in seen):
                    raise DirectoryError(483, "duplicate phone number")
                if tid in PHONE_TIDS:
                    seen.add(cvalue)
            localuser = _integer(entry, "localuser", -1)
            gid = _integer(entry, "gid", 1)
            parsed.append(Contact(0, cname, localuser, gid, pairs))
        for contact in parsed:
            contact.id = len(self.contacts) + 1
            self.contacts.append(contact)
            for tid, cvalue in contact.details:
                if tid in PHONE_TIDS:
                    self._phones[cvalue] = contact.id
        return len(parsed)

    def add_preorders(self, data: str | None) -> int:
        """Store every opportunity or none (duplicate = same telnum and product)."""
        entries = _entries(data, "preorder")
        parsed: list[Preorder] = []
        seen: set[tuple[str, str]] = set()
        for entry in entries:
            telnum = _text(entry, "telnum", required=True)
            product = _text(entry, "product", required=True)
            key = (telnum, product)
            if key in self._preorder_keys or key in seen:
                raise DirectoryError(483, "duplicate opportunity")
            seen.add(key)
            parsed.append(
                Preorder(
                    0,
                    _text(entry, "cname", required=False),
                    telnum,
                    product,
                    _text(entry, "comment", required=False),
                    _text(entry, "qq", required=False),
                    self._phones.get(telnum),
                )
            )
        for preorder in parsed:
            preorder.id = len(self.preorders) + 1
            self.preorders.append(preorder)
            self._preorder_keys.add((preorder.telnum, preorder.product))
            self.products.add(preorder.product)
        return len(parsed)


def _entries(data: str | None, key: str) -> list[dict[str, Any]]:
    if not data:
        raise DirectoryError(400, "missing data")
    try:
        document = json.loads(data)
    except ValueError:
        raise DirectoryError(400, "data is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get(key), list) or not document[key]:
        raise DirectoryError(400, f"data needs a non-empty {key!r} list")
    return [_obj(e) for e in document[key]]


def _obj(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DirectoryError(400, "entries must be objects")
    return value


def _text(entry: dict[str, Any], name: str, *, required: bool) -> str:
    value = entry.get(name)
    if value is None:
        if required:
            raise DirectoryError(400, f"missing {name}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DirectoryError(400, f"{name} must be a string")
    text = str(value).strip()
    if required and not text:
        raise DirectoryError(400, f"empty {name}")
    return text


def _integer(entry: dict[str, Any], name: str, default: int | None) -> int:
    value = entry.get(name, default)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise DirectoryError(400, f"{name} must be an integer")
    return value

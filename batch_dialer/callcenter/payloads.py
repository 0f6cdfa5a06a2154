"""The ``data=<json>`` of ContactsSrvlt (§19) and PreorderSrvlt (§20), and its encoded size.

Sent as GET ``?data=…`` (as the document shows it) while the URL fits DIALER_GUOXIN_MAX_GET_URL, else as
a form POST with the same field (``GuoxinHttp._push``).

JSON is ASCII-escaped (``\\uXXXX``) so the centre's servlet decodes it identically whatever charset it
assumes for form bodies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from batch_dialer.callcenter.results import ContactRecord, OpportunityRecord

__all__ = [
    "SAFE_FORM_BODY_BYTES",
    "contacts_body_size",
    "contacts_json",
    "opportunities_body_size",
    "opportunities_json",
]

#: A conservative ceiling for one form POST (Tomcat's default maxPostSize is 2 MiB).
SAFE_FORM_BODY_BYTES = 1_000_000


def contacts_json(records: Sequence[ContactRecord]) -> str:
    return json.dumps({"contacts": [r.to_json() for r in records]}, ensure_ascii=True, separators=(",", ":"))


def opportunities_json(records: Sequence[OpportunityRecord]) -> str:
    return json.dumps({"preorder": [r.to_json() for r in records]}, ensure_ascii=True, separators=(",", ":"))


def _form_size(data: str) -> int:
    return len(urlencode({"data": data}).encode("ascii"))


def contacts_body_size(records: Sequence[ContactRecord]) -> int:
    """Bytes of the urlencoded POST body ``push_contacts`` sends for ``records``."""
    return _form_size(contacts_json(records))


def opportunities_body_size(records: Sequence[OpportunityRecord]) -> int:
    """Bytes of the urlencoded POST body ``push_opportunities`` sends for ``records``."""
    return _form_size(opportunities_json(records))

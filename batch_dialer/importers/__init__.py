"""importers layer: spreadsheets -> contacts + opportunities (+ push to the call centre).

The names below are loaded on first use: the workbook-reading child imports only the reading
modules, not the database side (see `isolated_reading`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batch_dialer.importers.batch_import import (
        ImportResult,
        PreparedImport,
        RejectedSample,
        import_file,
        prepare_import,
    )
    from batch_dialer.importers.errors import ImportRefused
    from batch_dialer.importers.phone_numbers import REASONS, PhoneResult, mask_phone, normalise_phone

__all__ = [
    "REASONS",
    "ImportRefused",
    "ImportResult",
    "PhoneResult",
    "PreparedImport",
    "RejectedSample",
    "import_file",
    "mask_phone",
    "normalise_phone",
    "prepare_import",
]

_HOMES = {
    "ImportResult": "batch_import",
    "PreparedImport": "batch_import",
    "RejectedSample": "batch_import",
    "import_file": "batch_import",
    "prepare_import": "batch_import",
    "ImportRefused": "errors",
    "REASONS": "phone_numbers",
    "PhoneResult": "phone_numbers",
    "mask_phone": "phone_numbers",
    "normalise_phone": "phone_numbers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"batch_dialer.importers.{home}"), name)
    globals()[name] = value
    return value

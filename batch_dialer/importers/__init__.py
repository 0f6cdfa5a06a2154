"""importers layer: spreadsheets -> contacts + opportunities (+ push to the call centre)."""

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

"""The input file's SHA-256, computed in a thread while the import reads and parses the file.

hashlib releases the GIL on large blocks, so hashing a big file (~0.13 s for 57 MB) overlaps with
the header detection and the first chunk instead of adding to them.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

__all__ = ["FileDigest"]


class FileDigest:
    """Starts hashing at construction; `hexdigest()` waits for it (and raises what it raised)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            digest = hashlib.sha256()
            with self._path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            self._digest = digest.hexdigest()
        except BaseException as exc:  # handed to whoever asks for the digest
            self._error = exc

    def hexdigest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest

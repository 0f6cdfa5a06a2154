"""The first over-long line of a text file, found in one pass of C-speed splits before parsing.

A contact row is a few hundred bytes; a line of hundreds of KB is a file that is not a list (or a
quote never closed), and Python's csv module stops at 131,072 characters with a traceback. Refusing
such lines up front keeps every later step within that limit and says what is wrong in one line.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MAX_LINE_BYTES", "find_long_line"]

MAX_LINE_BYTES = 128 * 1024  # the csv module's own field limit, so no field can exceed it either
_BLOCK = 1 << 20


def find_long_line(path: Path, limit: int = MAX_LINE_BYTES) -> int | None:
    """The 1-based number of the first line longer than ``limit`` bytes, or None.

    CR, LF and CRLF all end a line (old Mac files use CR alone); numbers count LFs, as editors do.
    """
    lines_before = 0  # LFs before this block
    current = 0  # bytes since the last CR or LF, carried over from earlier blocks
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            parts = block.replace(b"\r", b"\n").split(b"\n")
            if current + len(parts[0]) > limit or max(map(len, parts)) > limit:
                offset = 0
                for index, part in enumerate(parts):
                    if len(part) + (current if index == 0 else 0) > limit:
                        return lines_before + block.count(b"\n", 0, offset) + 1
                    offset += len(part) + 1
            lines_before += block.count(b"\n")
            current = current + len(parts[0]) if len(parts) == 1 else len(parts[-1])
    return None

"""Why an import was refused: a typed error the faces turn into one line and exit code 2."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ImportRefused"]


class ImportRefused(Exception):
    """The file cannot be imported at all (empty, corrupt, no phone column, …); nothing was written."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

"""How a user mistake reaches the terminal: one line on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "UserError"]

EXIT_USAGE = 2  # bad input or configuration: the user can fix it
EXIT_FAILURE = 1  # the work could not be done (e.g. the centre refused it)


class UserError(Exception):
    """A problem the user can fix; the message is the whole story, printed as one line."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

"""Where log lines go and from which level: `DIALER_LOG_LEVEL`, the same for every `dialer` process.

Unset, one-shot commands (import, report, …) show warnings only and the long-running ones
(scheduler, worker, web) show INFO; set, it is the level of all of them, uvicorn's included.
"""

from __future__ import annotations

import logging

__all__ = ["LOG_FORMAT", "configure_logging", "effective_level"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def effective_level(configured: str | None, default: str) -> str:
    """The level name to use: the configured one, else the command's default."""
    return (configured or default).upper()


def configure_logging(configured: str | None, default: str = "WARNING") -> str:
    """(Re)configure the root logger on stderr; returns the level name in force."""
    level = effective_level(configured, default)
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    logging.getLogger("batch_dialer").setLevel(level)
    return level

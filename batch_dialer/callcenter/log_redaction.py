"""Keep secrets out of third-party logs: httpx logs every request URL (our query holds `pwd`,
the callee and captcha codes) and zeep logs whole SOAP envelopes at debug level."""

from __future__ import annotations

import logging

from batch_dialer.callcenter.masking import redact

__all__ = ["RedactingFilter", "install_log_redaction"]

_LOGGERS = ("httpx", "httpcore", "zeep", "zeep.transports", "urllib3")


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with URLs cut to their origin and long digit runs masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: drop its arguments rather than risk a leak
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


_installed = False


def install_log_redaction() -> None:
    """Attach the filter to the libraries' loggers once per process."""
    global _installed
    if _installed:
        return
    for name in _LOGGERS:
        logging.getLogger(name).addFilter(RedactingFilter())
    _installed = True

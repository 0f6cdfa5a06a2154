"""batch-dialer: outbound campaigns through existing Chinese call-centre products."""

__version__ = "0.1.0"

"""Campaign kinds as strategies: ``base`` (the interface), ``registry`` (name → kind), one module each."""

__all__: list[str] = []

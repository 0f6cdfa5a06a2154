"""Helpers for simulator tests: numbers whose planned outcome is known (computed, never guessed)."""

from __future__ import annotations

from collections.abc import Iterator

from batch_dialer.callcenter.simulator import CallKind, plan_call

T0 = 1_717_200_000.0  # 2024-06-01 08:00:00 Asia/Shanghai


def numbers(prefix: str = "1390000") -> Iterator[str]:
    for i in range(10_000):
        yield f"{prefix}{i:04d}"


def number_with(kind: CallKind, seed: int = 1, attempt_no: int = 1, skip: int = 0) -> str:
    """The (skip+1)-th number whose attempt ``attempt_no`` is of ``kind``."""
    for n in numbers():
        if plan_call(seed, n, attempt_no).kind is kind:
            if skip == 0:
                return n
            skip -= 1
    raise AssertionError(f"no number with {kind}")

"""Numbers whose planned outcome in the simulator is known (computed from its public plan, never guessed)."""

from __future__ import annotations

from batch_dialer.callcenter.simulator import CallKind, PlannedCall, plan_call

__all__ = ["number_with"]


def number_with(
    kind: CallKind, seed: int = 1, prefix: str = "1380000", skip: int = 0
) -> tuple[str, PlannedCall]:
    """The (skip+1)-th number whose first attempt is of ``kind``, with its plan."""
    for i in range(10_000):
        number = f"{prefix}{i:04d}"
        plan = plan_call(seed, number, 1)
        if plan.kind is kind:
            if skip == 0:
                return number, plan
            skip -= 1
    raise AssertionError(f"no number planned as {kind}")

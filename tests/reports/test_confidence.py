from __future__ import annotations

import math

import pytest

from batch_dialer.reports.confidence import mean_with_ci95, t_quantile_975


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (10, 2.2281), (30, 2.0423), (31, 2.0395), (50, 2.0086), (120, 1.9799), (1000, 1.9623)],
)
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=2e-4)


def test_mean_and_interval_from_counts() -> None:
    mean, ci = mean_with_ci95({1.0: 30, 2.0: 50, 3.0: 20})
    values = [1.0] * 30 + [2.0] * 50 + [3.0] * 20
    m = sum(values) / 100
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / 99)
    assert mean == pytest.approx(1.9)
    assert ci == pytest.approx((m - t_quantile_975(99) * sd / 10, m + t_quantile_975(99) * sd / 10))


def test_degenerate_and_clipped() -> None:
    assert mean_with_ci95({}) == (None, None)
    assert mean_with_ci95({4.0: 1}) == (4.0, None)
    mean, ci = mean_with_ci95({1.0: 1, 5.0: 1}, scale=(1.0, 5.0))
    assert mean == 3.0 and ci == (1.0, 5.0)

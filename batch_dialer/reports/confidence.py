"""Mean score and its 95 % confidence interval from a key -> count distribution.

Student's t interval: mean ± t(0.975, n-1) · s / √n, with s the sample standard deviation.
The t quantile comes from a table for small n and the Cornish-Fisher expansion beyond it
(error < 1e-4 for df > 30), so no SciPy is needed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["mean_with_ci95", "t_quantile_975"]

_Z975 = 1.959963984540054
_T975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
    2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
    2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = _Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_with_ci95(
    counts: Mapping[float, int], scale: tuple[float, float] | None = None
) -> tuple[float | None, tuple[float, float] | None]:
    """(mean, (lo, hi)); None where undefined (no scores; a single score has no interval).
    ``scale`` (lowest, highest possible score) clips the interval: a mean cannot leave the scale."""
    n = sum(counts.values())
    if n == 0:
        return None, None
    mean = sum(value * count for value, count in counts.items()) / n
    if n < 2:
        return mean, None
    variance = sum(count * (value - mean) ** 2 for value, count in counts.items()) / (n - 1)
    half = t_quantile_975(n - 1) * math.sqrt(variance) / math.sqrt(n)
    lo, hi = mean - half, mean + half
    if scale is not None:
        lo, hi = max(lo, scale[0]), min(hi, scale[1])
    return mean, (lo, hi)

"""Satisfaction figures from key counts: distribution in label order, CSAT, mean and its interval."""

from __future__ import annotations

from collections.abc import Mapping

from batch_dialer.reports.confidence import mean_with_ci95
from batch_dialer.reports.summary_model import SatisfactionStats

__all__ = ["normalise_key", "satisfaction_stats"]


def normalise_key(raw: object) -> str | None:
    """A key as text; JSON may hold "2" or 2 depending on the writer. Blank means no key pressed."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text or None


def satisfaction_stats(
    answered: int, key_counts: Mapping[str, int], labels: Mapping[str, str]
) -> SatisfactionStats:
    """``key_counts`` are answered contacts per pressed key (no entry for those who pressed none)."""
    distribution = {key: int(key_counts.get(key, 0)) for key in labels}
    for key in sorted(k for k in key_counts if k not in labels):
        distribution[key] = int(key_counts[key])
    responses = sum(distribution.values())
    valid = sum(distribution[key] for key in labels)
    top_two = list(labels)[:2]
    csat = sum(distribution[key] for key in top_two) / valid if valid else None
    numeric: dict[float, int] = {}
    scale: list[float] = []
    for key in labels:
        try:
            value = float(key)
        except ValueError:
            continue
        scale.append(value)
        if distribution[key]:
            numeric[value] = numeric.get(value, 0) + distribution[key]
    mean, ci95 = mean_with_ci95(numeric, (min(scale), max(scale)) if scale else None)
    return SatisfactionStats(
        answered=answered,
        responses=responses,
        distribution=distribution,
        labels=dict(labels),
        csat=csat,
        mean=mean,
        ci95=ci95,
    )

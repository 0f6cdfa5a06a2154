"""Chinese labels of outcomes and satisfaction keys, and the order reports show them in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = [
    "CAMPAIGN_STATUS_LABELS",
    "DEFAULT_KEY_LABELS",
    "OUTCOME_LABELS",
    "OUTCOME_ORDER",
    "key_label",
    "outcome_label",
    "resolve_key_labels",
]

#: Final outcome of a contact (task) -> label. ``in_progress`` is a contact still being worked on
#: (dialled at least once, waiting for a retry or a result), so the counts always add up to the contacts.
OUTCOME_LABELS: Final[dict[str, str]] = {
    "answered": "接通",
    "busy": "忙",
    "power_off": "关机或不在服务区",
    "empty": "空号",
    "failed": "失败",
    "no_answer": "无人接听",
    "rejected": "号码数据被拒",
    "unknown": "未知",
    "dnc": "免打扰",
    "not_dialled": "未拨打",
    "in_progress": "进行中",
}
#: A campaign's status as reports show it.
CAMPAIGN_STATUS_LABELS: Final[dict[str, str]] = {
    "draft": "草稿",
    "scheduled": "已计划",
    "running": "进行中",
    "paused": "已暂停",
    "completed": "已完成",
    "cancelled": "已取消",
}
OUTCOME_ORDER: Final[tuple[str, ...]] = tuple(OUTCOME_LABELS)

#: Default satisfaction labels, best first: the first two are the "top two" of CSAT.
DEFAULT_KEY_LABELS: Final[dict[str, str]] = {
    "1": "非常满意",
    "2": "满意",
    "3": "一般",
    "4": "不满意",
    "5": "非常不满意",
}


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def resolve_key_labels(configured: Mapping[str, str] | None) -> dict[str, str]:
    """The campaign's labels in its own order (best first), or the defaults when it has none."""
    if not configured:
        return dict(DEFAULT_KEY_LABELS)
    return {str(key): str(label) for key, label in configured.items()}


def key_label(key: str, labels: Mapping[str, str]) -> str:
    """A pressed key's label; a key outside the configured set is shown as such, never dropped."""
    return labels.get(key, f"其他按键 {key}")

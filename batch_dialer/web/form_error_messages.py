"""The campaign form's errors in the manager's language: each option's one-line English error
(``--window '25:00-21:00': hour out of range``) gets a Chinese sentence saying what the field wants,
with the English detail kept in parentheses (it names the exact value and problem)."""

from __future__ import annotations

__all__ = ["GENERIC_ERROR_ZH", "OPTION_ERRORS_ZH", "chinese_error"]

# Keyed by the option's field name (the form field); what a valid value looks like, in Chinese.
OPTION_ERRORS_ZH: dict[str, str] = {
    "name": "请填写活动名称，且不能与已有活动重名",
    "kind": "请选择活动类型",
    "audience": "请选择拨打对象：导入批次、标签、意向产品或全部联系人（全部联系人不能与其他条件同时选）",
    "start": "开始时间格式应为 2026-11-23 09:00，且不能与定时运行同时设置",
    "end": "结束时间格式应为 2026-11-23 21:00，且必须晚于开始时间",
    "cron": "定时运行格式有误（如每个工作日 19:00：0 19 * * 1-5），且不能与开始时间同时设置",
    "window": "拨打时段应为 开始-结束 的时间段，如 09:00-21:00，开始与结束不能相同",
    "days": "请至少选择一个拨打日（星期一至星期日，或“工作日”）",
    "tz": "时区不存在，如 Asia/Shanghai",
    "max_attempts": "每人最多拨打次数应为 1 到 20 之间的整数",
    "retry": "重拨间隔应为 结果=间隔[,间隔…]，如 忙线 10分钟、30分钟；间隔在 0 到 30 天之间",
    "cap": "同一号码上限应为 次数/时长，如 5/24h（24 小时内最多 5 次），两者都须为正数",
    "channels": "可用线路数应为 1 到 10000 之间的整数",
    "max_queue": "坐席排队上限应为不小于 0 的整数",
    "rate": "速率上限应为 每分钟次数，如 30/min，至少 1",
    "priority": "优先级应为 1 到 100 之间的整数",
    "ivr_max": "按键后最长等待应为 1 到 3600 秒之间的整数",
    "report_cron": "定时导出报告的 cron 格式有误，如 0 21 * * *（每天 21:00）",
    "report_dir": "报告目录必须位于配置的报告根目录之内",
    "key_label": "按键含义应每行一个 按键=含义，如 1=非常满意，同一按键不能重复",
}
GENERIC_ERROR_ZH = "填写有误"


def chinese_error(field: str, error: str) -> str:
    """The Chinese message for ``field``'s error, the English one-liner in parentheses."""
    return f"{OPTION_ERRORS_ZH.get(field, GENERIC_ERROR_ZH)}（{error}）"

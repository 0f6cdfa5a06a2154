"""Option errors on the campaign form: each names its field and reads in Chinese, keeping the English
one-liner (the exact value and problem) in parentheses."""

from __future__ import annotations

from typing import Any

import pytest

from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.web.campaign_service import FIELD_LABELS, field_of_error
from batch_dialer.web.form_error_messages import OPTION_ERRORS_ZH

VALID: dict[str, Any] = {
    "name": "回访",
    "kind": "tts",
    "all_contacts": True,
    "toneid": 20,
    "tts": ["ttsabc=您好"],
    "window": ["09:00-21:00"],
}


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("window", {"window": ["25:00-21:00"]}),
        ("retry", {"retry": ["busy=forever"]}),
        ("cap", {"cap": "5"}),
        ("days", {"days": "mon,funday"}),
        ("start", {"start": "tomorrow-ish"}),
        ("cron", {"cron": "not a cron"}),
        ("tz", {"tz": "Mars/Olympus"}),
        ("rate", {"rate": "fast"}),
        ("max_attempts", {"max_attempts": 99}),
        ("audience", {"all_contacts": False}),
    ],
)
def test_each_option_error_is_chinese_and_next_to_its_field(field: str, bad: dict[str, Any]) -> None:
    with pytest.raises(CampaignOptionsError) as caught:
        CampaignOptions.build(**{**VALID, **bad})
    english = str(caught.value)
    shown = field_of_error(english)
    assert shown is not None, english
    assert shown["field"] == field and shown["label"] == FIELD_LABELS[field]
    assert shown["message"] == f"{OPTION_ERRORS_ZH[field]}（{english}）"


def test_every_form_field_has_a_chinese_message() -> None:
    fields = {f for f in FIELD_LABELS if f not in ("batch", "tag", "product", "all_contacts")}
    assert fields <= OPTION_ERRORS_ZH.keys()

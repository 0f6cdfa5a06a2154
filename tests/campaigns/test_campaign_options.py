"""`dialer campaign create` options: one-line errors naming the option, columns, TTS templates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch_dialer.campaigns.campaign_options import (
    CampaignOptions,
    CampaignOptionsError,
    contact_fields,
    render_tts,
    template_placeholders,
)
from batch_dialer.campaigns.models import Campaign

TTS: dict[str, Any] = {"name": "survey", "kind": "tts", "all_contacts": True, "toneid": 20}
CAPTCHA: dict[str, Any] = {"name": "codes", "kind": "captcha", "tag": ["vip"], "toneid": 19}
SOAP: dict[str, Any] = {"name": "notice", "kind": "soap_tts", "batch": [3], "text": "{name}您好"}


def build(base: dict[str, Any], **changes: Any) -> CampaignOptions:
    return CampaignOptions.build(**{**base, **changes})


def error_of(base: dict[str, Any], **changes: Any) -> str:
    with pytest.raises(CampaignOptionsError) as info:
        build(base, **changes)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_full_tts_campaign_maps_to_campaign_columns() -> None:
    options = build(
        TTS,
        all_contacts=False,
        batch=[7],
        tag=["vip"],
        product=["宽带"],
        tts=["ttsabc=尊敬的{name}，感谢您选择{product}"],
        start="2024-05-03 19:00",
        end="2024-05-10T21:00:00+08:00",
        window=["9:00-12:00", "14:00-21:00"],
        days="Mon-Fri",
        tz="Asia/Shanghai",
        max_attempts=4,
        retry=["busy=5m,15m"],
        cap="5/24h",
        channels=30,
        max_queue=5,
        rate="60/min",
        priority=3,
        report_cron="0 8 * * mon-fri",
        report_dir="/tmp/reports",
        key_label=["1=非常满意", "2=满意"],
    )
    columns = options.to_campaign_columns()
    assert columns["start_at"] == datetime(2024, 5, 3, 11, 0, tzinfo=UTC)
    assert columns["end_at"] == datetime(2024, 5, 10, 13, 0, tzinfo=UTC)
    assert columns["windows"] == ["09:00-12:00", "14:00-21:00"]
    assert columns["days"] == "mon-fri"
    assert columns["retry"]["busy"] == [300, 900]
    assert columns["retry"]["unreachable"] == [7200]  # defaults are stored too
    assert (columns["cap_count"], columns["cap_period_s"]) == (5, 86400)
    assert columns["rate_per_min"] == 60
    assert columns["tts"] == {"ttsabc": "尊敬的{name}，感谢您选择{product}"}
    assert columns["audience"] == {"all": False, "batches": [7], "tags": ["vip"], "products": ["宽带"]}
    assert columns["key_labels"] == {"1": "非常满意", "2": "满意"}
    assert columns["captcha"] is None
    campaign = Campaign(**columns)  # every key is a real column
    assert campaign.channels == 30 and campaign.priority == 3 and campaign.kind == "tts"
    assert options.calling_window().contains(datetime(2024, 5, 6, 2, 0, tzinfo=UTC))  # Mon 10:00 local


def test_captcha_defaults_and_code_source() -> None:
    columns = build(CAPTCHA).to_campaign_columns()
    assert columns["captcha"] == {
        "line": "ip",
        "playtimes": 1,
        "precallcount": 0,
        "extnum": None,
        "code_field": None,
        "code_digits": 6,
    }
    from_field = build(
        CAPTCHA, line="fixed", code_field="code", extnum="801", playtimes=2
    ).to_campaign_columns()
    assert from_field["captcha"]["code_field"] == "code"
    assert from_field["captcha"]["code_digits"] is None
    assert from_field["captcha"]["line"] == "fixed"
    Campaign(**from_field)


def test_soap_tts_columns() -> None:
    columns = build(SOAP, caller="801").to_campaign_columns()
    assert columns["tts"] == {"content": "{name}您好"}
    assert columns["captcha"] == {"caller": "801"}
    assert columns["toneid"] is None


@pytest.mark.parametrize(
    ("base", "changes", "message"),
    [
        (TTS, {"window": ["9-21"]}, "--window '9-21': expected HH:MM-HH:MM"),
        (TTS, {"window": ["25:00-26:00"]}, "--window '25:00-26:00': hour out of range"),
        (TTS, {"days": "mon-fry"}, "--days 'mon-fry': unknown day 'fry'"),
        (TTS, {"tz": "Mars/Base"}, "--tz 'Mars/Base': unknown time zone"),
        (TTS, {"cron": "0 19 * * mon-fry"}, "--cron '0 19 * * mon-fry':"),
        (TTS, {"cron": "0 19 * *"}, "--cron '0 19 * *':"),
        (TTS, {"report_cron": "61 * * * *"}, "--report-cron '61 * * * *':"),
        (TTS, {"start": "tomorrow"}, "--start 'tomorrow': expected a date and time"),
        (TTS, {"retry": ["busy=10q"]}, "--retry 'busy=10q': duration '10q'"),
        (TTS, {"retry": ["empty=1m"]}, "--retry 'empty=1m': outcome 'empty' is never retried"),
        (TTS, {"cap": "5"}, "--cap '5': expected COUNT/PERIOD"),
        (TTS, {"rate": "fast"}, "--rate 'fast': expected N/min"),
        (TTS, {"channels": 0}, "--channels: Input should be greater than or equal to 1"),
        (TTS, {"max_attempts": "three"}, "--max-attempts: Input should be a valid integer"),
        (TTS, {"tts": ["abc=hi"]}, "--tts 'abc': variable names start with 'tts'"),
        (TTS, {"tts": ["ttsabc"]}, "--tts 'ttsabc': expected ttsVAR=\"template\""),
        (
            TTS,
            {"tts": ["ttsa={name.__class__}"]},
            "--tts ttsa: placeholder {name.__class__} is not a field name",
        ),
        (TTS, {"tts": ["ttsa=hi {name"]}, "--tts ttsa: unbalanced '{'"),
        (TTS, {"key_label": ["1=a", "1=b"]}, "--key-label '1': given twice"),
        (TTS, {"toneid": None}, "--toneid: required for --kind tts"),
        (
            TTS,
            {"kind": "fax"},
            "--kind 'fax': unknown kind (known: tts, captcha, soap_tts, callback, preview)",
        ),
        (TTS, {"batch": [1]}, "--all: cannot be combined with --batch"),
        (TTS, {"all_contacts": False}, "audience: give --batch, --tag, --product or --all"),
        (TTS, {"start": "2024-05-01 19:00", "cron": "0 19 * * *"}, "--cron: give either --start or --cron"),
        (TTS, {"start": "2024-05-02 19:00", "end": "2024-05-01 19:00"}, "--end: must be after --start"),
        (TTS, {"playtimes": 2}, "--playtimes: not used by --kind tts (only by --kind captcha)"),
        (TTS, {"text": "hi"}, "--text: not used by --kind tts (only by --kind soap_tts)"),
        (TTS, {"ivr_max": 0}, "--ivr-max: Input should be greater than or equal to 1"),
        (TTS, {"bogus": 1}, "--bogus: Extra inputs are not permitted"),
        (CAPTCHA, {"line": "satellite"}, "--line: Input should be 'ip' or 'fixed'"),
        (CAPTCHA, {"extnum": "80a"}, "--extnum: String should match pattern"),
        (CAPTCHA, {"code_field": "code", "code_digits": 4}, "--code-digits: give either --code-field"),
        (CAPTCHA, {"tts": ["ttsa=x"]}, "--tts: not used by --kind captcha (only by --kind tts)"),
        (SOAP, {"text": "  "}, "--text: required for --kind soap_tts"),
        (SOAP, {"toneid": 3}, "--toneid: not used by --kind soap_tts (only by --kind tts, captcha)"),
    ],
)
def test_errors_are_one_line_and_name_the_option(
    base: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    assert error_of(base, **changes).startswith(message)


def test_placeholders_checked_against_known_fields_when_given() -> None:
    options = {**TTS, "tts": ["ttsabc=您好{name}，您的{plan}"]}
    CampaignOptions.build(**options)  # without a field list any name may be an extra field
    CampaignOptions.build(extra_fields=["plan"], **options)
    with pytest.raises(CampaignOptionsError, match=r"--tts ttsabc: unknown placeholder \{plan\}"):
        CampaignOptions.build(extra_fields=["city"], **options)


def test_cron_with_weekday_names_and_naive_times_in_campaign_zone() -> None:
    options = build(TTS, cron="0 19 * * mon-fri", tz="Europe/Berlin", end="2024-07-01 00:00")
    assert options.cron == "0 19 * * mon-fri"
    assert options.end == datetime(2024, 6, 30, 22, 0, tzinfo=UTC)  # CEST
    assert options.kind == "tts"


def test_render_tts_fills_per_contact_and_never_raises() -> None:
    template = "尊敬的{name}，{company}的{product}；尾号{phone_masked}；{{literal}}；{missing}。"
    fields = contact_fields(phone="13812348000", name="张三", company=None, product="宽带", extra={"x": 1})
    assert render_tts(template, fields) == "尊敬的张三，的宽带；尾号138****8000；{literal}；。"
    assert template_placeholders(template) == ["name", "company", "product", "phone_masked", "missing"]
    assert render_tts("{ name }", {"name": "李四"}) == "李四"


def test_contact_fields_builtins_win_over_extra() -> None:
    fields = contact_fields(phone="13812348000", name="真名", extra={"name": "假名", "city": "北京"})
    assert fields["name"] == "真名" and fields["city"] == "北京"


@given(
    st.text(max_size=60), st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), st.text(max_size=8))
)
def test_render_tts_never_raises(template: str, fields: dict[str, str]) -> None:
    out = render_tts(template, fields)
    assert isinstance(out, str)


@given(
    st.lists(st.sampled_from(["name", "company", "product", "phone_masked", "city"]), max_size=4),
    st.text("abc，。 ", max_size=5),
)
def test_render_tts_substitutes_every_valid_placeholder(names: list[str], glue: str) -> None:
    template = glue.join("{" + n + "}" for n in names)
    fields = {n: n.upper() for n in names}
    assert render_tts(template, fields) == glue.join(n.upper() for n in names)
    assert template_placeholders(template) == names

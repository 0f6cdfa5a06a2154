"""A kind names the centre capabilities it needs; a centre without one is refused at creation with one
line (CLI exit 2 and web 422 both come from this CampaignOptionsError)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from batch_dialer.callcenter import adapters
from batch_dialer.callcenter.adapters import CentreProduct, product_for_url
from batch_dialer.callcenter.capabilities import (
    CentreAdapter,
    LoadMonitor,
    TimedTtsCalls,
    TtsCalls,
    TtsResults,
    capabilities_of,
)
from batch_dialer.callcenter.guoxin_http import GuoxinHttp
from batch_dialer.callcenter.guoxin_soap import GuoxinSoap
from batch_dialer.callcenter.results import CallResult, MonitorReading
from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.campaigns.creation import CentreLacksCapability, check_centre_can_run
from batch_dialer.campaigns.kinds.registry import KINDS


class TtsOnlyCentre(TtsCalls, TtsResults, LoadMonitor, CentreAdapter):
    """A product with IVR calls but no captcha and no timed SOAP calls."""

    def submit_tts_call(self, token: str, callee: str, toneid: int | str, tts: Mapping[str, str]) -> None:
        raise NotImplementedError

    def tts_call_result(self, token: str) -> CallResult:
        raise NotImplementedError

    def monitor(self) -> MonitorReading:
        raise NotImplementedError

    def close(self) -> None:
        pass


@pytest.fixture
def tts_only(monkeypatch: pytest.MonkeyPatch) -> str:
    product = CentreProduct("TtsOnly", lambda options: TtsOnlyCentre(), (TtsOnlyCentre,))
    monkeypatch.setitem(adapters.ADAPTERS, "ttsonly+http", product)
    return "ttsonly+http://127.0.0.1:9"


def test_guoxin_offers_what_every_kind_needs() -> None:
    guoxin = product_for_url("http://127.0.0.1:12121").capabilities
    assert guoxin == capabilities_of(GuoxinHttp, GuoxinSoap)
    for kind in KINDS.values():
        assert kind.required_capabilities <= guoxin, kind.name


def test_a_kind_the_centre_cannot_run_is_refused_in_one_line(tts_only: str) -> None:
    tts = CampaignOptions.build(name="a", kind="tts", all_contacts=True, toneid=20)
    check_centre_can_run(tts, tts_only)  # has what tts needs
    soap = CampaignOptions.build(name="b", kind="soap_tts", all_contacts=True, text="您好")
    with pytest.raises(CentreLacksCapability) as info:
        check_centre_can_run(soap, tts_only)
    assert str(info.value) == (
        "--kind soap_tts: the TtsOnly call centre has no timed TTS calls (SOAP TextToCallService)"
    )
    captcha = CampaignOptions.build(name="c", kind="captcha", all_contacts=True, toneid=19)
    with pytest.raises(CampaignOptionsError, match=r"^--kind captcha: the TtsOnly call centre has no "):
        check_centre_can_run(captcha, tts_only)
    assert TimedTtsCalls not in capabilities_of(TtsOnlyCentre)


def test_unknown_scheme_is_one_line() -> None:
    with pytest.raises(ValueError, match=r"^unsupported call centre URL scheme 'ftp': use one of http://"):
        product_for_url("ftp://x")

"""The callback kind's options and the 800ing+http:// scheme, as operators script them."""

from __future__ import annotations

import pytest

from batch_dialer.callcenter.adapters import product_for_url
from batch_dialer.callcenter.capabilities import AgentCallbacks, LoadMonitor
from batch_dialer.callcenter.ing800 import Ing800Client
from batch_dialer.campaigns.campaign_options import CampaignOptions, CampaignOptionsError
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.settings import Settings


def test_800ing_scheme_selects_the_800ing_adapter_and_plain_http_stays_guoxin() -> None:
    assert Settings(callcenter_url="800ing+http://voip.example:8080").callcenter_url.startswith("800ing+")
    product = product_for_url("800ing+http://voip.example:8080")
    assert product.name == "800ing" and AgentCallbacks in product.capabilities
    assert product_for_url("http://h:1").name == "Guoxin"
    assert isinstance(Ing800Client("800ing+http://h:1"), AgentCallbacks | LoadMonitor)
    assert kind_named("callback").required_capabilities <= product.capabilities
    assert not kind_named("callback").required_capabilities <= product_for_url("http://h:1").capabilities


def test_callback_options_from_the_command_line() -> None:
    options = CampaignOptions.build(
        name="回访",
        kind="callback",
        all_contacts=True,
        agents=["8001,8002", "8003"],
        trunks=2,
        key_reply="谢谢",
        opt_out_key="9",
    )
    settings = options.to_campaign_columns()["captcha"]  # the kind-settings JSON column
    assert settings["agents"] == ["8001", "8002", "8003"] and settings["trunks"] == 2
    assert (settings["key_reply"], settings["opt_out_key"]) == ("谢谢", "9")


@pytest.mark.parametrize(("agents", "problem"), [([], "--agents"), (["8001,8001"], "listed twice")])
def test_bad_agents_are_one_line(agents: list[str], problem: str) -> None:
    with pytest.raises(CampaignOptionsError, match=problem):
        CampaignOptions.build(name="x", kind="callback", all_contacts=True, agents=agents)

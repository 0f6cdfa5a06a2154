"""The SOAP adapter against centres it was not written with: TextToCallService (§26) published
JAX-WS/CXF-style (``arg0…``/``return``, its own namespace) and XFire-style (``in0…``/``out``), over real
HTTP through zeep; the centre's WSDL fetched once per process, the packaged one only as a fallback."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from batch_dialer.callcenter import CenterUnreachable, GuoxinSoap, TextToCall, TextToCallState, soap_clients
from batch_dialer.callcenter.soap_clients import forget_wsdl_documents
from tests.soap_servers import CXF, PACKAGED_LIKE, XFIRE, SoapStyle, running_soap_server


@pytest.fixture(autouse=True)
def fresh_wsdl_cache() -> Iterator[None]:
    forget_wsdl_documents()
    yield
    forget_wsdl_documents()


def _call(callee: str, linkkey: int) -> TextToCall:
    return TextToCall(
        callee=callee,
        content="尊敬的客户，您的快递已到。",
        calldate=datetime.now(UTC),
        servicetype="c1-x",
        linkkey=linkkey,
    )


@pytest.mark.parametrize("style", [CXF, XFIRE], ids=lambda s: s.name)
def test_text_to_call_through_the_centres_own_wsdl(style: SoapStyle) -> None:
    with running_soap_server(style) as server:
        soap = GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0)
        answered = soap.make_call(_call("13800138004", 41))  # answers on the centre's 2nd try
        never = soap.make_call(_call("13800138009", 42))  # never answers
        endpoint = soap.endpoint("TextToCallService")
        assert endpoint.wsdl_source == f"{server.base_url}/bridge/services/TextToCallService?wsdl"
        p = style.part_prefix
        assert endpoint.part_names("listWithToken") == [f"{p}0", f"{p}1", f"{p}2", f"{p}3"]
        seen: list[tuple[str | None, int | None]] = []
        for _ in range(6):
            [row] = soap.list_with_token(0, 10, "c1-x", 41)  # linkkey, an Integer, selects one call
            seen.append((row.state and row.state.value, row.calltime))
        assert seen == [
            ("TRYING", 1),
            ("RING_TIME_OUT", 1),  # between the centre's own tries: not the end of the call
            ("TRYING", 2),
            ("CONFIRM", 2),
            ("CONFIRM", 2),
            ("CONFIRM", 2),
        ]
        rows = {row.id: row for row in soap.list_with_token(0, 10, "c1-x", None)}
        assert rows[answered].playingtime == 12 and rows[answered].content.startswith("尊敬的客户")
        assert rows[never].state is TextToCallState.CALL_FAILED and rows[never].calltime == 3  # 尝试 3 次失败
        assert rows[never].linkkey == 42 and rows[never].callee == "13800138009"
        assert soap.list_uncalled(0, 10, "c1-x", None) == []
        soap.remove(never)
        assert [r.id for r in soap.list_with_token(0, 10, "c1-x", None)] == [answered]
    operation, args = server.centre.requests[0]
    assert operation == "makeCall" and set(args) == {f"{p}0"}
    sent = args[f"{p}0"]
    assert sent["content"] == "尊敬的客户，您的快递已到。" and sent["linkkey"] == 41 and sent["id"] == -1
    assert server.centre.requests[2] == (
        "listWithToken",
        {f"{p}0": 0, f"{p}1": 10, f"{p}2": "c1-x", f"{p}3": 41},
    )


def test_the_wsdl_is_fetched_once_per_process_and_each_thread_has_its_client() -> None:
    with running_soap_server(CXF) as server:
        soap = GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0)
        endpoints = []
        errors: list[BaseException] = []

        def work() -> None:
            try:
                soap.list_with_token(0, 10, "any", None)
                endpoints.append(soap.endpoint("TextToCallService"))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        work()
        assert not errors and len(endpoints) == 5
        assert len({id(e) for e in endpoints}) == 5  # one zeep client (and requests session) per thread
        assert server.centre.wsdl_fetches == 1


def test_packaged_wsdl_only_when_the_centre_publishes_none(caplog: pytest.LogCaptureFixture) -> None:
    with running_soap_server(PACKAGED_LIKE, publish_wsdl=False) as server:
        soap = GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0)
        with caplog.at_level(logging.WARNING, logger="batch_dialer.callcenter.soap_clients"):
            call_id = soap.make_call(_call("13800138001", 7))
        assert soap.endpoint("TextToCallService").wsdl_source == "packaged"
        [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert "using the packaged TextToCallService.wsdl" in warning.getMessage()
        assert [r.id for r in soap.list_with_token(0, 10, "c1-x", 7)] == [call_id]
        assert server.centre.wsdl_fetches == 0


def test_an_unreachable_centre_is_an_error_not_a_fallback() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    soap = GuoxinSoap(f"http://127.0.0.1:{port}", timeout=2.0, operation_timeout=2.0)
    with pytest.raises(CenterUnreachable):
        soap.list_with_token(0, 10, "any", None)
    assert not soap_clients._fallbacks  # nothing decided: the next call fetches the WSDL again
    with running_soap_server(CXF) as server:
        soap = GuoxinSoap(server.base_url, timeout=5.0, operation_timeout=5.0)
        assert soap.list_with_token(0, 10, "any", None) == []
        assert soap.endpoint("TextToCallService").wsdl_source.endswith("?wsdl")

"""The CTI auth client against the fake CTI over real HTTP (code 0 and the documented code 7), and
answers the fake never gives (other codes, no JSON, expiresAt in milliseconds) through httpx's mock."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from batch_dialer.callcenter.cti import (
    CtiAuthClient,
    CtiAuthRefused,
    CtiBadCredentials,
    CtiTokenKeeper,
    md5_password,
)
from batch_dialer.callcenter.errors import CallCenterError, CenterUnreachable, UnexpectedResponse
from batch_dialer.campaigns.clock import ManualClock
from tests.desk.fake_cti import FakeCti, build_fake_cti
from tests.web.web_server import serve_app

START = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


@pytest.fixture
def fake_cti() -> Iterator[tuple[FakeCti, str, ManualClock]]:
    clock = ManualClock(START)
    fake = FakeCti(now=lambda: clock.now().timestamp())
    fake.add_user("admin", "s3cret-Pw", "1001")
    with serve_app(build_fake_cti(fake)) as url:
        yield fake, url, clock


def test_md5_password_is_the_documents_form() -> None:
    assert md5_password("s3cret-Pw") == hashlib.md5(b"s3cret-Pw").hexdigest()
    assert len(md5_password("x")) == 32


def test_code_0_gives_the_token_extension_and_a_12_hour_expiry(
    fake_cti: tuple[FakeCti, str, ManualClock],
) -> None:
    fake, url, clock = fake_cti
    client = CtiAuthClient(url)
    grant = client.authenticate("admin", md5_password("s3cret-Pw"))
    assert grant.ext_no == "1001" and grant.user == "admin"
    assert grant.token in fake.tokens
    assert grant.expires_at == clock.now() + timedelta(hours=12)
    assert grant.token not in repr(grant)
    assert fake.auth_requests[-1] == {"username": "admin", "password": md5_password("s3cret-Pw")}
    client.close()


def test_code_7_is_bad_credentials_without_the_password(fake_cti: tuple[FakeCti, str, ManualClock]) -> None:
    _, url, _ = fake_cti
    client = CtiAuthClient(url)
    with pytest.raises(CtiBadCredentials) as caught:
        client.authenticate("admin", md5_password("wrong-password"))
    assert caught.value.code == 7 and "用户名不存在或者密码错误" in str(caught.value)
    assert md5_password("wrong-password") not in str(caught.value) and "wrong-password" not in str(
        caught.value
    )
    assert isinstance(caught.value, CallCenterError)
    client.close()


def _mocked(body: object, status: int = 200) -> CtiAuthClient:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["password"] == md5_password("pw")
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content)

    return CtiAuthClient("http://cti.test", transport=httpx.MockTransport(handler))


def test_other_codes_no_json_and_milliseconds() -> None:
    with pytest.raises(CtiAuthRefused) as refused:
        _mocked({"code": 3, "data": {}, "msg": "账号已禁用"}).authenticate("u", md5_password("pw"))
    assert not isinstance(refused.value, CtiBadCredentials) and refused.value.code == 3
    with pytest.raises(UnexpectedResponse):
        _mocked(b"<html>gateway</html>").authenticate("u", md5_password("pw"))
    with pytest.raises(UnexpectedResponse):
        _mocked({"code": 0, "data": {"extNo": "1", "expiresAt": 1}}).authenticate("u", md5_password("pw"))
    ms = _mocked({"code": 0, "data": {"token": "t", "extNo": 1001, "expiresAt": 1689365690000}})
    assert ms.authenticate("u", md5_password("pw")).expires_at == datetime.fromtimestamp(1689365690, UTC)


def test_unreachable_cti_is_one_clear_error() -> None:
    client = CtiAuthClient("http://127.0.0.1:9", timeout_s=2)
    with pytest.raises(CenterUnreachable) as caught:
        client.authenticate("admin", md5_password("pw"))
    assert "127.0.0.1:9" in str(caught.value) and "\n" not in str(caught.value)


def test_keeper_signs_in_again_before_expiry(fake_cti: tuple[FakeCti, str, ManualClock]) -> None:
    fake, url, clock = fake_cti
    keeper = CtiTokenKeeper(
        CtiAuthClient(url), "admin", md5_password("s3cret-Pw"), clock.now, timedelta(minutes=10)
    )
    first = keeper.current()
    clock.advance(timedelta(hours=11, minutes=49))
    assert keeper.current().token == first.token and len(fake.auth_requests) == 1
    clock.advance(timedelta(minutes=1))  # now within 10 minutes of expiresAt
    second = keeper.current()
    assert second.token != first.token and second.expires_at > first.expires_at
    assert len(fake.auth_requests) == 2
    assert "s3cret" not in repr(keeper) and md5_password("s3cret-Pw") not in repr(keeper)
    keeper.forget()
    with pytest.raises(RuntimeError):
        keeper.current()

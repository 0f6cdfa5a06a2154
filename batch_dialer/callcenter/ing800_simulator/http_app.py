"""The simulated 800ing centre over HTTP: the paths of document 004 plus /_sim/ for tests and demos."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .center import Ing800Center, SimError
from .pushes import PushRecord
from .truth import center_truth

__all__ = ["create_app"]


async def _params(request: Request) -> dict[str, str]:
    """Query and urlencoded/multipart body together (§1.1 allows both)."""
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params.update({k: str(v) for k, v in form.items()})
    return params


def _json(body: dict[str, Any], callback: str | None = None) -> Response:
    if callback:  # jsonpdata.jsonp: "JS 跨域需要参数 callback"
        text = f"{callback}({json.dumps(body, ensure_ascii=False)})"
        return PlainTextResponse(text, media_type="application/javascript; charset=utf-8")
    return JSONResponse(body)


def _row(center: Ing800Center, record: PushRecord) -> dict[str, Any]:
    """A §2.11 row: the push fields, the CDR fields flattened, and the push table's own columns."""
    call = center.calls.get(record.cdr_id)
    flat: dict[str, Any] = {
        "cdrId": record.cdr_id,
        "cdrExtension": record.extension,
        "cdrPhoneNum": record.phone,
        "cdrStartTime": record.start_time,
        "paramvalue": record.paramvalue or "",
    }
    if record.memo is not None:
        flat.update(record.memo)
    return {
        **flat,
        "type": record.type,
        "peer": 1,
        "phone": record.phone,
        "memo": json.dumps(record.memo, ensure_ascii=False) if record.memo is not None else None,
        "cdrs_status": "成功" if record.delivered else "失败",
        "cdrs_successTime": center.memo(call)["cdrHangupTime"] if call is not None and call.ended else "",
        "cdr_uploadTime": record.upload_time,
        "cdrsType": record.type,
        "cdrsMemo": json.dumps({"readCdrRecord": 1}),
        "cdrsPhone": record.phone,
        "cdrs_result": record.result,
        "cdrsId": record.cdrs_id,
    }


def create_app(center: Ing800Center) -> FastAPI:
    app = FastAPI(title="800ing simulator", openapi_url=None, docs_url=None, redoc_url=None)

    def dispatch(params: dict[str, str]) -> dict[str, Any]:
        ext = center.authenticate(params.get("sa_user"), params.get("sa_password"))
        method = params.get("method", "")
        if method == "getExtension":
            return center.extension_info(ext)
        if method == "callbackPhone":
            center.callback_phone(ext, params.get("descPhone", ""), params.get("paramvalue"))
            return {"code": 0, "message": "OK"}
        if method == "hangupExten":
            center.hangup(ext)
            return {"code": 0, "message": ""}
        if method == "getLongWaterLine":
            return center.waterline(ext)
        if method == "recvMsg":
            limit = int(params.get("limit") or 100)
            return center.recv_msg(ext, int(params.get("waterLine") or 0), limit)
        if method == "registerExtension":
            return center.register_extension(ext, params.get("showphone", ""))
        if method == "sendMsg":
            return {"code": 0, "message": ""}
        raise SimError(-3, f"方法内部错误: unknown method {method!r}")

    async def api(request: Request) -> Response:
        params = await _params(request)
        try:
            body = dispatch(params)
        except SimError as exc:
            body = {"code": exc.code, "message": exc.message}
        except ValueError:
            body = {"code": -14, "message": "验证组错误"}
        return _json(body, params.get("callback") if request.url.path.endswith(".jsonp") else None)

    for path in ("/voip/api/jsondata.html", "/voip/api/jsonpdata.json", "/voip/api/jsonpdata.jsonp"):
        app.add_api_route(path, api, methods=["GET", "POST"])

    @app.get("/voip/ai/report/push_list.json")
    def push_list(request: Request) -> Response:
        q = request.query_params
        if not center.session_ok(q.get("sessionId")):
            return _json({"code": -2, "message": "验证错误: sessionId"})
        try:
            page, rows = int(q.get("page", "")), int(q.get("rows", ""))
            start, end = q["startTime"], q["endTime"]
        except (KeyError, ValueError):
            return _json({"code": -14, "message": "验证组错误: page, rows, startTime, endTime"})
        found = center.push_rows(start, end, q.get("status", ""), q.get("phone", ""), q.get("extes", ""))
        chosen = found[(page - 1) * rows : page * rows]
        return _json({"code": 0, "total": len(found), "rows": [_row(center, r) for r in chosen]})

    @app.get("/voip/ai/report/push_send.json")
    def push_send(request: Request) -> Response:
        q = request.query_params
        if not center.session_ok(q.get("sessionId")):
            return _json({"code": -2, "message": "验证错误: sessionId"})
        record = center.pushes.find(int(q.get("id") or 0)) if (q.get("id") or "").isdigit() else None
        if record is None:
            return _json({"code": -11, "message": "数据不存在"})
        if center.pushes.deliver(record):
            return _json({"code": 0, "message": ""})
        return _json({"code": -1, "message": f"网络错误: {record.result}"})

    @app.get("/voip/record/{record_file:path}")
    def record(record_file: str) -> Response:
        call = center.call_by_record(record_file)
        if call is None:
            return Response(status_code=404)
        return Response(b"RIFF" + str(call.cdr_id).encode() + b"\0" * 64, media_type="audio/wav")

    @app.get("/voip/api/client/download/record.json")
    def record_mp3(id: str = "", ismp3: str = "") -> Response:
        call = center.calls.get(int(id)) if id.isdigit() else None
        if call is None or not call.ended or center.talk_seconds(call) == 0:
            return Response(status_code=404)
        return Response(b"ID3" + str(call.cdr_id).encode(), media_type="audio/mpeg")

    @app.get("/_sim/truth")
    def truth() -> dict[str, Any]:
        return center_truth(center)

    @app.post("/_sim/faults")
    async def faults(request: Request) -> dict[str, Any]:
        body = await request.json()
        if "push_drop_rate" in body:
            center.drop_rate = float(body["push_drop_rate"])
        if "push_url" in body:
            center.pushes.url = body["push_url"] or None
        if "key_url" in body:
            center.key_url = body["key_url"] or None
        if "route_url" in body:
            center.route_url = body["route_url"] or None
        return {"push_drop_rate": center.drop_rate, "push_url_set": bool(center.pushes.url)}

    @app.post("/_sim/inbound")
    def inbound(phone: str, trunkno: str = "100068001") -> dict[str, Any]:
        return center.inbound(phone, trunkno)

    return app

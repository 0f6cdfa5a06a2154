"""The callback campaign's report additions: by agent, talk-time distribution, recordings."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import Session

from batch_dialer.callcenter.ing800 import parse_cdr_push
from batch_dialer.campaigns.ing800_push_store import record_push
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact
from batch_dialer.reports.agent_report import agent_report

CALLS = [  # token, extension, talk seconds, reason code, key
    ("t1", "8001", 45, "16", "1"),
    ("t2", "8001", 200, "16", "3"),
    ("t3", "8001", 0, "17", None),
    ("t4", "8002", 20, "16", "2"),
    ("t5", "8002", 0, "19", None),
]


def seed(engine: Engine) -> int:
    with Session(engine) as s:
        camp = Campaign(name="回访", kind="callback", key_labels={"1": "很满意", "2": "满意", "3": "不满意"})
        s.add(camp)
        s.flush()
        for n, (token, _ext, _talk, _code, key) in enumerate(CALLS):
            contact = Contact(phone=f"1380013800{n}")
            s.add(contact)
            s.flush()
            task = CallTask(campaign_id=camp.id, contact_id=contact.id, phone=contact.phone)
            s.add(task)
            s.flush()
            keys = {"satisfact": key} if key else None
            s.add(
                CallAttempt(
                    task_id=task.id,
                    campaign_id=camp.id,
                    attempt_no=1,
                    phone=contact.phone,
                    token=token,
                    outcome="answered",
                    keys=keys,
                )
            )
        s.commit()
        assert camp.id is not None
        campaign_id = camp.id
    for n, (token, ext, talk, code, key) in enumerate(CALLS):
        memo = {
            "cdrId": 100 + n,
            "cdrExtension": ext,
            "cdrTalktime": talk,
            "cdrHangupReasonCode": code,
            "cdrIVRKey": key or "",
            "cdrRecordFile": f"2026/11/27/{100 + n}.wav" if talk else "",
            "paramvalue": token,
        }
        push = parse_cdr_push({"type": "3", "phone": f"1380013800{n}", "memo": json.dumps(memo)})
        record_push(engine, push, "push")
    return campaign_id


def test_by_agent_talk_time_and_recordings(engine: Engine) -> None:
    campaign_id = seed(engine)
    with engine.connect() as conn:
        report = agent_report(conn, campaign_id, "http://voip.example:8080").as_json()
    agents = {a["extension"]: a for a in report["agents"]}
    assert (agents["8001"]["calls"], agents["8001"]["answered"], agents["8001"]["talk_seconds"]) == (
        3,
        2,
        245,
    )
    assert agents["8001"]["csat"] == 0.5  # keys 1 and 3: one of two in the top two labels
    assert (agents["8002"]["calls"], agents["8002"]["answered"], agents["8002"]["csat"]) == (2, 1, 1.0)
    assert report["talk_time_distribution"] == {
        "0–30 s": 1,
        "31–60 s": 1,
        "1–2 min": 0,
        "2–5 min": 1,
        "> 5 min": 0,
    }
    links = sorted(r["url"] for r in report["recordings"])
    assert links[0] == "http://voip.example:8080/voip/record/2026/11/27/100.wav" and len(links) == 3
    assert all("****" in r["phone"] for r in report["recordings"])

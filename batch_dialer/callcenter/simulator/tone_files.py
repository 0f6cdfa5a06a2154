"""The centre's voice files (§24 ToneFileSvlt): query, save (add or modify) and delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_TONE_FILES", "ToneFile", "ToneFiles"]


@dataclass
class ToneFile:
    id: int
    title: str
    path: str
    des: str
    size: int = 0

    def as_json(self) -> dict[str, Any]:
        """The document spells the title field ``titel``."""
        return {"id": self.id, "titel": self.title, "path": self.path, "des": self.des}


DEFAULT_TONE_FILES: tuple[tuple[int, str, str, str], ...] = (
    (1, "个人来电转语音邮箱导航", "personalVoiceMail.wav", "您好, 我现在无法接听你的来电, 请留言。"),
    (2, "非工作时间提醒", "offwork.wav", "非工作时间提醒"),
    (3, "录音提示", "voiceincall.wav", "非工作时间提醒"),
    (12, "静音", "mute.wav", "静音 0.3 秒"),
    (13, "转话语音导航", "1472020704123.wav", "转话语音导航"),
    (19, "验证码播报", "captcha.wav", "您的验证码是"),
    (20, "满意度调查", "satisfaction.wav", "满意请按1, 一般请按2, 不满意请按3"),
)


class ToneFiles:
    def __init__(self) -> None:
        self._files: dict[int, ToneFile] = {
            tid: ToneFile(tid, title, path, des) for tid, title, path, des in DEFAULT_TONE_FILES
        }
        self._next_id = max(self._files) + 1

    def __contains__(self, tone_id: int) -> bool:
        return tone_id in self._files

    def __len__(self) -> int:
        return len(self._files)

    def query(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in sorted(self._files.values(), key=lambda f: f.id)]

    def save(self, tone_id: int | None, title: str, des: str, content: bytes | None, now_ms: int) -> int:
        """Add (no id) or modify; returns the file's id, or 0 on failure as the document says."""
        if not title or not des:
            return 0
        if tone_id is None:
            if not content:
                return 0
            tone_id = self._next_id
            self._next_id += 1
            self._files[tone_id] = ToneFile(tone_id, title, f"{now_ms}.wav", des, len(content))
            return tone_id
        existing = self._files.get(tone_id)
        if existing is None:
            return 0
        existing.title, existing.des = title, des
        if content:
            existing.path, existing.size = f"{now_ms}.wav", len(content)
        return tone_id

    def delete(self, tone_id: int) -> bool:
        return self._files.pop(tone_id, None) is not None

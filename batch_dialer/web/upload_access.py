"""Who may do what with an upload: it belongs to its uploader (a manager may take it over, openly),
and viewers see phone numbers masked and never download an unmasked reject workbook."""

from __future__ import annotations

from fastapi import HTTPException

from batch_dialer.web.access_store import Identity
from batch_dialer.web.import_jobs import ImportJob

__all__ = ["masked_for", "require_owner", "require_unmasked_access"]


def masked_for(identity: Identity) -> bool:
    """Viewers see 138****8000; managers, who import the list, see the numbers."""
    return not identity.is_manager


def require_owner(job: ImportJob, identity: Identity) -> None:
    """Confirm, discard and re-map are the uploader's; anyone else gets 403 naming the owner."""
    if job.owner != identity.name:
        raise HTTPException(
            403,
            f"这个上传属于 {job.owner}，请先接管 / this upload belongs to {job.owner}: take it over first",
        )


def require_unmasked_access(identity: Identity) -> None:
    if not identity.is_manager:
        raise HTTPException(
            403, "只读用户不能下载含完整号码的拒绝行文件 / viewers cannot download reject workbooks"
        )

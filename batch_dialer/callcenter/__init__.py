"""Call-centre adapters behind one interface (``CallCenter``), and the Guoxin SOAP services.

``connect(url, password)`` returns the adapter for a URL; every non-success answer raises a
``CallCenterError`` subclass whose message is safe to log.
"""

from batch_dialer.callcenter.base import CallCenter, CaptchaLine
from batch_dialer.callcenter.connect import connect
from batch_dialer.callcenter.errors import (
    BadParameters,
    BadPassword,
    CallCenterError,
    CenterBusy,
    CenterServerError,
    CenterUnavailable,
    CenterUnreachable,
    DuplicateSubmission,
    NotFound,
    OperationRefused,
    PaymentRequired,
    UnexpectedResponse,
)
from batch_dialer.callcenter.guoxin_http import GuoxinHttp
from batch_dialer.callcenter.guoxin_soap import GuoxinSoap
from batch_dialer.callcenter.masking import mask_phone, redact
from batch_dialer.callcenter.payloads import (
    SAFE_FORM_BODY_BYTES,
    contacts_body_size,
    opportunities_body_size,
)
from batch_dialer.callcenter.results import (
    AgentState,
    CallLogEntry,
    CallResult,
    CallState,
    Click2CallState,
    ContactRecord,
    MonitorReading,
    OpportunityRecord,
    TextToCall,
    TextToCallState,
    ToneFile,
    parse_monitor_body,
    parse_result_body,
)
from batch_dialer.callcenter.signing import captcha_pwd, centre_today

__all__ = [
    "SAFE_FORM_BODY_BYTES",
    "AgentState",
    "BadParameters",
    "BadPassword",
    "CallCenter",
    "CallCenterError",
    "CallLogEntry",
    "CallResult",
    "CallState",
    "CaptchaLine",
    "CenterBusy",
    "CenterServerError",
    "CenterUnavailable",
    "CenterUnreachable",
    "Click2CallState",
    "ContactRecord",
    "DuplicateSubmission",
    "GuoxinHttp",
    "GuoxinSoap",
    "MonitorReading",
    "NotFound",
    "OperationRefused",
    "OpportunityRecord",
    "PaymentRequired",
    "TextToCall",
    "TextToCallState",
    "ToneFile",
    "UnexpectedResponse",
    "captcha_pwd",
    "centre_today",
    "connect",
    "contacts_body_size",
    "mask_phone",
    "opportunities_body_size",
    "parse_monitor_body",
    "parse_result_body",
    "redact",
]

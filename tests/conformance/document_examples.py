"""The Guoxin document's own example requests and responses (../shared/seeds/002_…), quoted as printed.

Where the printed example is not valid as it stands, the fix is the smallest one and says why; these
readings are in docs/guoxin-contract.md.
"""

from __future__ import annotations

__all__ = [
    "CALL_LOG_EXAMPLE",
    "CALL_LOG_QUERY_URL",
    "CALL_LOG_WITH_CALLID_URL",
    "CAPTCHA_RESULT_STATES",
    "CAPTCHA_URL",
    "CONTACTS_DATA",
    "CONTACTS_DATA_AS_PRINTED",
    "EXTNUM_STATE_EXAMPLE",
    "EXTNUM_STATE_URL",
    "IVR_RESULT_EXAMPLE",
    "IVR_TTS_CALL_URL",
    "MONITOR_EXAMPLE",
    "MONITOR_URL",
    "PREORDER_DATA",
    "TEXTTOCAL_FIELDS",
    "TONE_FILES_EXAMPLE",
]

# §3 "外呼接口完整 URL"
CAPTCHA_URL = (
    "http://x.x.x.x:12121/bridge/callctrl?id=1&precallcount=1&playtimes=1&extnum=801&callee=13227841198"
    "&toneid=19&code=112233&pwd=13deae128093437a57dd2caeb0328d40&opt=CLICK_TO_IP_CAPTCHA"
)
# §3 "呼叫结果查询 URL" answers: "0: 正在排队等待呼叫 … 6: 关机, 不在服务区, 404: id 不存在"
CAPTCHA_RESULT_STATES = {0: "QUEUED", 1: "ANSWERED", 2: "FAILED", 3: "EMPTY_NUMBER", 4: "CALLING", 5: "BUSY",
                         6: "POWER_OFF", 404: "NOT_FOUND"}  # fmt: skip

# §14 "外呼接口完整 URL" and "查询返回实例"
EXTNUM_STATE_URL = "http://127.0.0.1:12121/bridge/jsoncfg?opt=EXTNUM_STATE"
EXTNUM_STATE_EXAMPLE = (
    '[{"telNum":"801","userName":"李阳","telRegState":1,"phoneType":"NewRockTech-MX8-v1.9.82.333/UA",'
    '"state":"ONLINE","presence":"online","missingCallCount":0}, {"telNum":"802","userName":"张霞",'
    '"telRegState":1,"phoneType":"NewRockTech-MX8-v1.9.82.333/UA","remoteNum":"1322784XXXX",'
    '"state":"BUSY_OUTGOING","presence":"online","missingCallCount":0}]'
)

# §18 "完整 URL"
IVR_TTS_CALL_URL = (
    "http://x.x.x.x:12121/bridge/callctrl?token=0123456789&callee=015919823610&toneid=20&ttsabc=你好世界!"
    "&opt=IVR_TTS_CALL"
)
# §18 "返回结果如: state=1;satisfact=8"
IVR_RESULT_EXAMPLE = "state=1;satisfact=8"
# §18 "放音个数，排队个数查询 URL" and "返回结果: queue=0;playcount=0"
MONITOR_URL = "http://x.x.x.x:12121/bridge/callctrl?opt=IVR_TTS_CALL_MONITOR"
MONITOR_EXAMPLE = "queue=0;playcount=0"

# §19 as printed: the "contacts" array is never closed (one "]" missing before the last "}").
CONTACTS_DATA_AS_PRINTED = (
    '{"contacts":[{"cname":"Mr.Lee","localuser":46,"gid":1,"details":[{"tid":1,"cvalue":"13227841198"}, '
    '{"tid":2,"cvalue":"4006198112"}]}, {"cname":"Miss.Zhang","localuser":-1,"gid":1,"details":[{"tid":1,'
    '"cvalue":"600"}, {"tid":2,"cvalue":"800"}]}}'
)
CONTACTS_DATA = CONTACTS_DATA_AS_PRINTED[:-1] + "]}"
# §20 (valid as printed)
PREORDER_DATA = (
    '{"preorder":[{"cname":"Mr.Wang","telnum":"132278411XX","product":"CallCenterSystem","comment":'
    '"Mr.WangsPreorder.","qq":"1234567"}, {"cname":"Miss.Zhu","telnum":"40061994XX","product":'
    '"CallCenterSystem","comment":"Miss Zhus preorder","qq":"7654321"}]}'
)

# §21 "完整 URL1" and "完整 URL2"
CALL_LOG_QUERY_URL = (
    "http://127.0.0.1:12121/bridge/callctrl?first=0&maxResults=1000&beginDate=2016-03-01&endDate=2016-03-29"
    "&telnum=801&dirction=0&opt=CALL_LOG_QUERY"
)
CALL_LOG_WITH_CALLID_URL = (
    "http://127.0.0.1:12121/bridge/callctrl?callid=df0897e8-b468-4b57-a5d8-9b48c92aa9c5%40192.168.1.86"
    "&opt=CALL_LOG_GET_WITH_CALLID"
)
# §21 "查询返回实例": printed across a page break, which split "_callTime" and added a "}" before "]".
CALL_LOG_EXAMPLE = (
    '[{"id":37,"caller":"60610123","callee":"816","beginTime":1459160867375,"duration":41,'
    '"state":"STATE_RECEIVED","callType":"LOCAL_CALL","estimate":"","channel":"192.168.3.80",'
    '"callid":"173a248c-8f85-4edb-b0c2-c11e1894a0d5%40192.168.1.82","calleuid":32,"record":"",'
    '"recordVoice":"","cname":"","servicetype":"","manustate":"","clickcallid":"","fxonum":"",'
    '"productid":0,"_callTime":"Mar 28, 2016 6:27:47 PM","_judge":0},{ "id":36,"caller":"60610123",'
    '"callee":"3888","beginTime":1459160441301,"duration":0,"state":"STATE_FAILED","callType":"LOCAL_CALL",'
    '"estimate":"","channel":"192.168.3.82:5062","callid":"44530c9c-4184-43f1-a456-d51c272eff3b%40192.168.3.80",'
    '"record":"","recordVoice":"","cname":"","servicetype":"","manustate":"","clickcallid":"","fxonum":"",'
    '"productid":0,"_callTime":"Mar 28, 2016 6:20:41 PM", "_judge":0}]'
)

# §24 "Http 请求响 json 格式" (the centre spells the title "titel")
TONE_FILES_EXAMPLE = (
    '[{"id":1,"titel":"个人来电转语音邮箱导航","path":"personalVoiceMail.wav",'
    '"des":"您好, 我现在无法接听你的来电, 请留言。"}, '
    '{"id":2,"titel":"非工作时间提醒","path":"offwork.wav","des":"非工作时间提醒"}, '
    '{"id":3,"titel":"录音提示","path":"voiceincall.wav","des":"非工作时间提醒"}, '
    '{"id":12,"titel":"静音","path":"mute.wav","des":"静音 0.3 秒"}, '
    '{"id":13,"titel":"转话语音导航","path":"1472020704123.wav","des":"转话语音导航"}]'
)

# §26 表 6-1 Texttocal, in the table's order
TEXTTOCAL_FIELDS = ["id", "caller", "callee", "content", "assisid", "calldate", "voipcall", "servicetype",
                    "linkkey", "createTime", "state", "ttsfile", "calltime", "playingtime"]  # fmt: skip

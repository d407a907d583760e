"""What the kiosk says aloud on each screen, in the visit's language."""

from __future__ import annotations

from kiosk.identity.policy import MESSAGES as IDENTITY_MESSAGES
from kiosk.session import SessionView

SPOKEN = {
    "home": ("请选择要办理的业务", "Please choose a service"),
    "identify": ("请将身份证放在读卡区，放好后不要移动", "Please place your ID card on the reader and keep it still"),
    "scan": ("请将回执上的二维码对准扫描窗口", "Please hold the QR code on your receipt under the scanner"),
    "confirm": ("请核对信息，无误后请点击确认办理", "Please check the details, then press confirm"),
    "ask": ("正在办理，请稍候", "Please wait"),
    "print_receipt": ("正在打印回执，请在出纸口取走回执", "Printing your receipt. Please take it from the slot"),
    "print_document": ("正在打印证明，请在A4出纸口取走证明", "Printing your certificate. Please take it from the A4 tray"),
    "result": ("请查看办理结果", "Here is the result"),
    "rate": ("请对本次服务进行评价", "Please rate this service"),
    "done": ("请取回您的身份证和回执，感谢您的使用", "Please take your ID card and receipt. Thank you"),
    "out_of_service": ("本机暂停服务，请前往服务窗口", "This kiosk is out of service. Please go to a service counter"),
}
MORE_TIME = ("需要更多时间吗？", "Do you need more time?")
REASON = ("请告诉我们不满意的原因", "Please tell us what was wrong")


def spoken_prompt(view: SessionView, previous: SessionView | None) -> str | None:
    """The sentence to say for `view`, or None when nothing new happened."""
    english = view.language == "en"
    if view.prompt_more_time and not (previous and previous.prompt_more_time):
        return MORE_TIME[english]
    if view.state == "verify":
        return _verify_prompt(view, previous, english)
    if view.state == "rate" and view.rating is not None and view.rating.needs_reason:
        if previous is None or previous.rating is None or not previous.rating.needs_reason:
            return REASON[english]
    if (previous is not None and (previous.state, previous.stage_id) == (view.state, view.stage_id)
            and previous.language == view.language):
        return None
    if view.state == "choose" and view.step is not None:
        return view.step.prompt
    if view.state == "enter" and view.entry is not None:
        return view.entry.prompt
    texts = SPOKEN.get(view.action or view.state)
    return texts[english] if texts else None


def _verify_prompt(view: SessionView, previous: SessionView | None, english: bool) -> str | None:
    """The identity check speaks its policy messages (start, retry, use the fingerprint) and
    each liveness challenge as it is asked."""
    fresh = previous is None or previous.state != view.state or previous.language != view.language
    if view.message and (fresh or view.message != previous.message) and view.message in IDENTITY_MESSAGES:
        return IDENTITY_MESSAGES[view.message][english]
    challenge = view.verify.challenge if view.verify else None
    before = previous.verify.challenge if previous is not None and previous.verify else None
    if challenge and challenge != before and challenge in IDENTITY_MESSAGES:
        return IDENTITY_MESSAGES[challenge][english]
    return None

"""Everything the kiosk tells a citizen, on screen or aloud, by message code.

One entry per message: the code and its Chinese source text. The English (and any other
language) lives in the Qt Linguist file next to this module, `kiosk/i18n/kiosk_<lang>.ts`: the
screens read its compiled .qm through Qt (context "Messages"), the core reads the same .ts here
with xml.etree, so what the screen shows and what the voice says cannot disagree.

`pyside6-lupdate` finds the entries textually by `QT_TRANSLATE_NOOP("Messages", …)`
(`script/update-translations`); the function below is a Qt-free stand-in of that name.
"""

from __future__ import annotations

import logging
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from types import MappingProxyType

log = logging.getLogger(__name__)

CONTEXT = "Messages"
SOURCE_LANGUAGE = "zh"
I18N_DIR = Path(__file__).with_name("i18n")


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # noqa: N802 (the name lupdate looks for)
    return source


_GROUPS: dict[str, dict[str, str]] = {
    # why a service (or the whole kiosk) is not offered now; device ones are "<device>_<state>"
    # (kiosk/core.py device_reason)
    "availability": {
        "printer_paper_out": QT_TRANSLATE_NOOP("Messages", "打印机缺纸"),
        "printer_cover_open": QT_TRANSLATE_NOOP("Messages", "打印机盖未关"),
        "printer_unavailable": QT_TRANSLATE_NOOP("Messages", "打印机无法使用"),
        "printer_fault": QT_TRANSLATE_NOOP("Messages", "打印机故障"),
        "docprinter_paper_out": QT_TRANSLATE_NOOP("Messages", "证明打印机缺纸"),
        "docprinter_cover_open": QT_TRANSLATE_NOOP("Messages", "证明打印机盖未关"),
        "docprinter_unavailable": QT_TRANSLATE_NOOP("Messages", "证明打印机无法使用"),
        "docprinter_fault": QT_TRANSLATE_NOOP("Messages", "证明打印机故障"),
        "idcard_unavailable": QT_TRANSLATE_NOOP("Messages", "身份证读卡器无法使用"),
        "idcard_fault": QT_TRANSLATE_NOOP("Messages", "身份证读卡器故障"),
        "scanner_unavailable": QT_TRANSLATE_NOOP("Messages", "扫码器无法使用"),
        "scanner_fault": QT_TRANSLATE_NOOP("Messages", "扫码器故障，请改用身份证查询"),
        "camera_unavailable": QT_TRANSLATE_NOOP("Messages", "人脸核验摄像头无法使用"),
        "camera_fault": QT_TRANSLATE_NOOP("Messages", "人脸核验摄像头故障"),
        "fingerprint_unavailable": QT_TRANSLATE_NOOP("Messages", "指纹仪无法使用"),
        "fingerprint_fault": QT_TRANSLATE_NOOP("Messages", "指纹仪故障"),
        "dispenser_unavailable": QT_TRANSLATE_NOOP("Messages", "发证机无法使用"),
        "dispenser_fault": QT_TRANSLATE_NOOP("Messages", "发证机故障，请联系工作人员"),
        "queue_full": QT_TRANSLATE_NOOP("Messages", "本机存储已满"),
        "no_service_available": QT_TRANSLATE_NOOP("Messages", "设备维护中"),
        "devices_starting": QT_TRANSLATE_NOOP("Messages", "设备正在启动，请稍候"),
        "maintenance": QT_TRANSLATE_NOOP("Messages", "本机正在维护"),
        "closed": QT_TRANSLATE_NOOP("Messages", "不在办理时间"),
        "central_unreachable": QT_TRANSLATE_NOOP("Messages", "暂时无法连接公安业务系统，请稍后再试"),
        "service_unavailable": QT_TRANSLATE_NOOP("Messages", "该业务暂不可用，请选择其他业务"),
    },
    # what went wrong (or what to do) during a visit
    "visit": {
        "place_card": QT_TRANSLATE_NOOP("Messages", "请将身份证放在读卡区"),
        "card_read_again": QT_TRANSLATE_NOOP("Messages", "读卡未完成，请将身份证重新放好，不要移动"),
        "card_read_failed": QT_TRANSLATE_NOOP("Messages", "读卡失败，请拿起身份证后重新放置"),
        "card_expired": QT_TRANSLATE_NOOP("Messages", "身份证已过有效期，请到窗口办理"),
        "reader_fault": QT_TRANSLATE_NOOP("Messages", "读卡器暂时无法使用，请联系工作人员"),
        "central_rejected": QT_TRANSLATE_NOOP("Messages", "业务系统拒绝了本次申请，请到窗口办理"),
        "machine_timeout": QT_TRANSLATE_NOOP("Messages", "处理超时，请稍后再试或到窗口办理"),
        "machine_error": QT_TRANSLATE_NOOP("Messages", "本机出现故障，请到窗口办理"),
        "receipt_not_printed": QT_TRANSLATE_NOOP("Messages", "回执未能打印，办理结果已保存，可凭身份证到窗口补打"),
        "document_not_printed": QT_TRANSLATE_NOOP("Messages", "证明未能打印，已开具的证明可在“业务进度查询”中凭身份证补打"),
        "device_action_failed": QT_TRANSLATE_NOOP("Messages", "设备未能完成操作，请联系工作人员"),
        "record_failed": QT_TRANSLATE_NOOP("Messages", "本机存储已满，暂停办理，请联系工作人员"),
        "scan_again": QT_TRANSLATE_NOOP("Messages", "未能识别，请将二维码放平后重新扫描"),
        "code_not_ours": QT_TRANSLATE_NOOP("Messages", "该二维码不是本机回执上的二维码"),
        "entry_empty": QT_TRANSLATE_NOOP("Messages", "请先输入"),
        "entry_invalid": QT_TRANSLATE_NOOP("Messages", "输入有误，请检查后重新输入"),
        "code_invalid": QT_TRANSLATE_NOOP("Messages", "编号应为4至32位字母或数字"),
        "plate_province": QT_TRANSLATE_NOOP("Messages", "车牌号应以省份简称开头"),
        "plate_invalid": QT_TRANSLATE_NOOP("Messages", "车牌号格式不正确，请检查"),
        "phone_invalid": QT_TRANSLATE_NOOP("Messages", "请输入11位手机号码"),
        "id_number_invalid": QT_TRANSLATE_NOOP("Messages", "身份证号码有误，请检查后重新输入"),
    },
    # 身份证自助领证 (kiosk/services/id_card_pickup): central's answers and how a hand-out ended
    "pickup": {
        "pickup.not_found": QT_TRANSLATE_NOOP("Messages", "未查到您的新身份证，请核对号码或到窗口咨询"),
        "pickup.in_production": QT_TRANSLATE_NOOP("Messages", "您的身份证正在制作中，制好后将短信通知"),
        "pickup.elsewhere": QT_TRANSLATE_NOOP("Messages", "您的身份证不在本机，请到短信通知的地点领取"),
        "pickup.at_counter": QT_TRANSLATE_NOOP("Messages", "您的身份证需到窗口领取"),
        "pickup.collected": QT_TRANSLATE_NOOP("Messages", "该身份证已被领取，如有疑问请到窗口咨询"),
        "pickup.retracted": QT_TRANSLATE_NOOP("Messages", "您的身份证已回收，请到窗口领取"),
        "pickup.moving": QT_TRANSLATE_NOOP("Messages", "正在取出您的身份证，请稍候"),
        "pickup.checking": QT_TRANSLATE_NOOP("Messages", "正在核对证件，请稍候"),
        "pickup.presented": QT_TRANSLATE_NOOP("Messages", "请从出证口取走您的身份证"),
        "pickup.taken": QT_TRANSLATE_NOOP("Messages", "身份证已领取，请妥善保管"),
        "pickup.not_taken": QT_TRANSLATE_NOOP("Messages", "身份证未及时取走，已回收，请到窗口领取"),
        "pickup.wrong_card": QT_TRANSLATE_NOOP("Messages", "证件核对不符，已回收，工作人员将尽快处理，请到窗口咨询"),
        "pickup.card_missing": QT_TRANSLATE_NOOP("Messages", "您的身份证暂不在发证机中，请到窗口咨询"),
        "pickup.dispenser_fault": QT_TRANSLATE_NOOP("Messages", "发证机出现故障，未发出证件，请到窗口领取"),
    },
    # 证件照采集 (kiosk/services/id_photo)
    "photo": {
        "photo.taking": QT_TRANSLATE_NOOP("Messages", "请正对摄像头，保持不动"),
        "photo.review": QT_TRANSLATE_NOOP("Messages", "请确认照片，满意请点击使用此照片"),
        "photo.accept": QT_TRANSLATE_NOOP("Messages", "使用此照片"),
        "photo.retake": QT_TRANSLATE_NOOP("Messages", "重新拍摄"),
        "photo.tries": QT_TRANSLATE_NOOP("Messages", "第%1张，共可拍%2张"),
        "photo.receipt_code": QT_TRANSLATE_NOOP("Messages", "照片回执码"),
        "photo.valid_until": QT_TRANSLATE_NOOP("Messages", "有效期至"),
        "photo.reuse": QT_TRANSLATE_NOOP("Messages", "办理其他业务时出示回执码即可使用此照片"),
        "photo.not_kept": QT_TRANSLATE_NOOP("Messages", "照片未保存，本机不留存任何照片"),
        "photo_go_to_counter": QT_TRANSLATE_NOOP("Messages", "未能拍出合格照片，请到窗口拍照"),
    },
    # paying by QR code (kiosk/handlers/pay.py) and what central may answer a paid service
    "payment": {
        "payment_unavailable": QT_TRANSLATE_NOOP("Messages", "暂时无法发起支付，未扣款，请稍后再试"),
        "payment_refused": QT_TRANSLATE_NOOP("Messages", "本次缴费未能受理，未扣款，请到窗口办理"),
        "payment_declined": QT_TRANSLATE_NOOP("Messages", "支付未成功，未扣款，请重新办理或到窗口办理"),
        "payment_expired": QT_TRANSLATE_NOOP("Messages", "支付超时，订单已关闭，未扣款"),
        "payment_cancelled": QT_TRANSLATE_NOOP("Messages", "订单已取消，未扣款"),
        "payment_refunded": QT_TRANSLATE_NOOP("Messages", "业务未能办理，已付款项将原路退回"),
        "paid_after_expiry": QT_TRANSLATE_NOOP("Messages", "订单关闭后才收到付款，款项将原路退回"),
        "cancelled_after_payment": QT_TRANSLATE_NOOP("Messages", "订单取消后才收到付款，款项将原路退回"),
        "payments_unsettled": QT_TRANSLATE_NOOP("Messages", "正在核对上一笔支付，请稍后"),
        "select_none": QT_TRANSLATE_NOOP("Messages", "请至少选择一项"),
        "violation_already_paid": QT_TRANSLATE_NOOP("Messages", "所选违法记录已缴款，无需重复缴纳"),
        "violation_not_payable": QT_TRANSLATE_NOOP("Messages", "所选违法记录需到交警窗口处理"),
        "violation_unknown": QT_TRANSLATE_NOOP("Messages", "未找到所选违法记录，请重新查询"),
        "needs_counter": QT_TRANSLATE_NOOP("Messages", "需到交警窗口处理"),
        "no_violations": QT_TRANSLATE_NOOP("Messages", "未查询到待缴款的交通违法记录"),
        "permit_no_invalid": QT_TRANSLATE_NOOP("Messages", "通行证号码为C开头的9位号码，请检查"),
        "permit_unknown": QT_TRANSLATE_NOOP("Messages", "未查到该通行证，请核对号码"),
        "permit_expired": QT_TRANSLATE_NOOP("Messages", "通行证已过有效期，请先换发通行证"),
        "permit_not_holders": QT_TRANSLATE_NOOP("Messages", "该通行证不是您本人的，请使用本人证件"),
        "no_endorsements_left": QT_TRANSLATE_NOOP("Messages", "该通行证已无可用签注次数"),
        "not_eligible": QT_TRANSLATE_NOOP("Messages", "暂不能自助办理签注，请到出入境窗口办理"),
        "place_permit": QT_TRANSLATE_NOOP("Messages", "请将港澳通行证放在证件读取区"),
        "permit_read_again": QT_TRANSLATE_NOOP("Messages", "未能读取通行证，请拿起后重新放好，不要移动"),
        "permit_reader_fault": QT_TRANSLATE_NOOP("Messages", "证件读取器暂时无法使用，请联系工作人员"),
        "permit_chip_mismatch": QT_TRANSLATE_NOOP("Messages", "放置的证件与输入的通行证号码或本人身份不符"),
        "payment.amount": QT_TRANSLATE_NOOP("Messages", "应付金额"),
        "payment.scan": QT_TRANSLATE_NOOP("Messages", "请用微信、支付宝或云闪付扫描二维码付款"),
        "payment.opening": QT_TRANSLATE_NOOP("Messages", "正在生成付款二维码，请稍候"),
        "payment.waiting": QT_TRANSLATE_NOOP("Messages", "等待付款"),
        "payment.paid": QT_TRANSLATE_NOOP("Messages", "已收到付款，正在办理，请稍候"),
        "payment.total": QT_TRANSLATE_NOOP("Messages", "合计"),
        "payment.selected": QT_TRANSLATE_NOOP("Messages", "已选"),
        "payment.order_no": QT_TRANSLATE_NOOP("Messages", "订单号"),
        "payment.paid_amount": QT_TRANSLATE_NOOP("Messages", "已付金额"),
        "payment.refund_amount": QT_TRANSLATE_NOOP("Messages", "退款金额"),
        "payment.late_fee": QT_TRANSLATE_NOOP("Messages", "滞纳金"),
        "payment.points": QT_TRANSLATE_NOOP("Messages", "记分"),
        "payment.fine": QT_TRANSLATE_NOOP("Messages", "罚款"),
        "payment.finish": QT_TRANSLATE_NOOP("Messages", "完成"),
        "hkmo.kind": QT_TRANSLATE_NOOP("Messages", "签注种类"),
        "hkmo.kind.group": QT_TRANSLATE_NOOP("Messages", "团队旅游"),
        "hkmo.kind.individual": QT_TRANSLATE_NOOP("Messages", "个人旅游"),
        "hkmo.kind.family": QT_TRANSLATE_NOOP("Messages", "探亲"),
        "hkmo.kind.business": QT_TRANSLATE_NOOP("Messages", "商务"),
        "hkmo.kind.other": QT_TRANSLATE_NOOP("Messages", "其他"),
        "hkmo.times": QT_TRANSLATE_NOOP("Messages", "签注次数"),
        "hkmo.permit_no": QT_TRANSLATE_NOOP("Messages", "通行证号码"),
        "hkmo.instant": QT_TRANSLATE_NOOP("Messages", "可立等可取"),
        "hkmo.pickup": QT_TRANSLATE_NOOP("Messages", "需另行领取"),
        "hkmo.outcome": QT_TRANSLATE_NOOP("Messages", "办理结果"),
        "hkmo.issued": QT_TRANSLATE_NOOP("Messages", "签注已签发，有效期至"),
        "hkmo.collect": QT_TRANSLATE_NOOP("Messages", "签注已受理，请凭回执领取："),
    },
    # the identity check's steps (kiosk/identity/policy.py); spoken as well as shown
    "identity": {
        "identity_verified": QT_TRANSLATE_NOOP("Messages", "身份核验通过"),
        "identity_start_face": QT_TRANSLATE_NOOP("Messages", "请正对摄像头，按提示操作"),
        "identity_start_fingerprint": QT_TRANSLATE_NOOP("Messages", "请将手指放在指纹仪上"),
        "identity_retry_face": QT_TRANSLATE_NOOP("Messages", "未能确认是您本人，请正对摄像头再试一次"),
        "identity_retry_liveness": QT_TRANSLATE_NOOP("Messages", "未检测到动作，请按提示眨眼或转头"),
        "identity_retry_fingerprint": QT_TRANSLATE_NOOP("Messages", "指纹未能比对成功，请重新按压手指"),
        "identity_use_fingerprint": QT_TRANSLATE_NOOP("Messages", "请改用指纹核验，将手指放在指纹仪上"),
        "identity_use_face": QT_TRANSLATE_NOOP("Messages", "请改用人脸核验，正对摄像头"),
        "identity_failed": QT_TRANSLATE_NOOP("Messages", "身份核验未通过，请到服务窗口办理"),
        "identity_locked": QT_TRANSLATE_NOOP("Messages", "今日核验失败次数过多，请到服务窗口办理"),
        "identity_unavailable": QT_TRANSLATE_NOOP("Messages", "暂时无法核验身份，请到服务窗口办理"),
    },
    # guidance during a face check and the liveness challenges (kiosk/identity/quality.py, liveness.py)
    "guidance": {
        "no_face": QT_TRANSLATE_NOOP("Messages", "请站在摄像头前"),
        "multiple_faces": QT_TRANSLATE_NOOP("Messages", "请一人办理，其他人请稍候"),
        "move_closer": QT_TRANSLATE_NOOP("Messages", "请靠近一些"),
        "move_back": QT_TRANSLATE_NOOP("Messages", "请后退一些"),
        "centre_face": QT_TRANSLATE_NOOP("Messages", "请将脸移到画面中间"),
        "too_dark": QT_TRANSLATE_NOOP("Messages", "光线太暗，请靠近补光灯"),
        "too_bright": QT_TRANSLATE_NOOP("Messages", "光线太强，请避开强光"),
        "face_camera": QT_TRANSLATE_NOOP("Messages", "请正对摄像头"),
        "hold_still": QT_TRANSLATE_NOOP("Messages", "请保持不动"),
        "blink": QT_TRANSLATE_NOOP("Messages", "请眨眨眼"),
        "turn_left": QT_TRANSLATE_NOOP("Messages", "请向左转头"),
        "turn_right": QT_TRANSLATE_NOOP("Messages", "请向右转头"),
    },
    # ID photo (证件照) guidance beyond the face check's (kiosk/identity/photo_checks.py)
    "photo_guidance": {
        "photo_level_head": QT_TRANSLATE_NOOP("Messages", "请保持头部端正，不要歪头"),
        "photo_open_eyes": QT_TRANSLATE_NOOP("Messages", "请睁开眼睛，看向摄像头"),
        "photo_even_light": QT_TRANSLATE_NOOP("Messages", "脸部光线不均匀，请站到补光灯正前方"),
        "photo_remove_hat": QT_TRANSLATE_NOOP("Messages", "请摘下帽子，露出额头和眉毛"),
        "photo_plain_background": QT_TRANSLATE_NOOP("Messages", "背景不够干净，请站在白色背景板前，身后不要有人或物品"),
        "photo_light_background": QT_TRANSLATE_NOOP("Messages", "背景颜色过深，请站在白色背景板前"),
    },
    # what the kiosk says on entering a screen ("spoken.<state or device action>"); a screen
    # that shows the same sentence takes it from here
    "spoken": {
        "spoken.home": QT_TRANSLATE_NOOP("Messages", "请选择要办理的业务"),
        "spoken.identify": QT_TRANSLATE_NOOP("Messages", "请将身份证放在读卡区，放好后不要移动"),
        "spoken.scan": QT_TRANSLATE_NOOP("Messages", "请将回执上的二维码对准扫描窗口"),
        "spoken.confirm": QT_TRANSLATE_NOOP("Messages", "请核对信息，无误后请点击确认办理"),
        "spoken.ask": QT_TRANSLATE_NOOP("Messages", "正在办理，请稍候"),
        "spoken.print_receipt": QT_TRANSLATE_NOOP("Messages", "正在打印回执，请在出纸口取走回执"),
        "spoken.print_document": QT_TRANSLATE_NOOP("Messages", "正在打印证明，请在A4出纸口取走证明"),
        "spoken.result": QT_TRANSLATE_NOOP("Messages", "请查看办理结果"),
        "spoken.rate": QT_TRANSLATE_NOOP("Messages", "请对本次服务进行评价"),
        "spoken.done": QT_TRANSLATE_NOOP("Messages", "请取回您的身份证和回执，感谢您的使用"),
        "spoken.out_of_service": QT_TRANSLATE_NOOP("Messages", "本机暂停服务，请前往服务窗口"),
        "spoken.more_time": QT_TRANSLATE_NOOP("Messages", "需要更多时间吗？"),
        "spoken.rate_reason": QT_TRANSLATE_NOOP("Messages", "请告诉我们不满意的原因"),
        "spoken.select": QT_TRANSLATE_NOOP("Messages", "请选择要办理的项目，选好后点击下一步"),
        "spoken.read_document": QT_TRANSLATE_NOOP("Messages", "请将港澳通行证放在证件读取区，放好后不要移动"),
        "spoken.pay": QT_TRANSLATE_NOOP("Messages", "请用微信、支付宝或云闪付扫描屏幕上的二维码付款"),
        "spoken.capture_photo": QT_TRANSLATE_NOOP("Messages", "请站在白色背景板前，正对摄像头，按提示调整"),
        "spoken.dispense": QT_TRANSLATE_NOOP("Messages", "请稍候，正在为您取出新身份证"),
    },
    # the outcome of a visit (SessionView.outcome), headline and detail labels
    "outcome": {
        "outcome.issued": QT_TRANSLATE_NOOP("Messages", "证明已开具"),
        "outcome.certificate_no": QT_TRANSLATE_NOOP("Messages", "证明编号："),
        "outcome.accepted_offline": QT_TRANSLATE_NOOP("Messages", "申请已受理"),
        "outcome.application_no": QT_TRANSLATE_NOOP("Messages", "申请编号："),
        "outcome.sms_follows": QT_TRANSLATE_NOOP("Messages", "审核结果将以短信通知"),
        "outcome.refused": QT_TRANSLATE_NOOP("Messages", "暂不能自助开具"),
        "outcome.answered": QT_TRANSLATE_NOOP("Messages", "查询完成"),
        "outcome.failed": QT_TRANSLATE_NOOP("Messages", "未能完成办理"),
        "outcome.paid": QT_TRANSLATE_NOOP("Messages", "缴费成功"),
        "outcome.refunded": QT_TRANSLATE_NOOP("Messages", "未能办理，款项将原路退回"),
        "outcome.handed_over": QT_TRANSLATE_NOOP("Messages", "身份证已领取"),
        "outcome.stored": QT_TRANSLATE_NOOP("Messages", "照片已保存"),
        "outcome.not_kept": QT_TRANSLATE_NOOP("Messages", "照片未保存"),
    },
    # the confirm screen's labels (SessionView.summary "summary.<label code>")
    "summary": {
        "summary.service": QT_TRANSLATE_NOOP("Messages", "办理业务"),
        "summary.name": QT_TRANSLATE_NOOP("Messages", "姓名"),
        "summary.id_number": QT_TRANSLATE_NOOP("Messages", "身份证号"),
    },
    # 好差评: the five levels ("rating.<score>") and why a low one was given (kiosk/session.py)
    "rating": {
        "rating.5": QT_TRANSLATE_NOOP("Messages", "非常满意"),
        "rating.4": QT_TRANSLATE_NOOP("Messages", "满意"),
        "rating.3": QT_TRANSLATE_NOOP("Messages", "基本满意"),
        "rating.2": QT_TRANSLATE_NOOP("Messages", "不满意"),
        "rating.1": QT_TRANSLATE_NOOP("Messages", "非常不满意"),
        "rating.reason.slow": QT_TRANSLATE_NOOP("Messages", "等待时间长"),
        "rating.reason.hard_to_use": QT_TRANSLATE_NOOP("Messages", "操作不方便"),
        "rating.reason.device_problem": QT_TRANSLATE_NOOP("Messages", "设备有故障"),
        "rating.reason.unhappy_with_result": QT_TRANSLATE_NOOP("Messages", "对结果不满意"),
        "rating.reason.other": QT_TRANSLATE_NOOP("Messages", "其他原因"),
    },
    # 业务进度查询 (kiosk/services/progress_query): central's application states and its labels
    "progress_query": {
        "progress_query.state.issued": QT_TRANSLATE_NOOP("Messages", "已开具"),
        "progress_query.state.accepted": QT_TRANSLATE_NOOP("Messages", "已受理，审核中"),
        "progress_query.state.processing": QT_TRANSLATE_NOOP("Messages", "办理中"),
        "progress_query.state.refused": QT_TRANSLATE_NOOP("Messages", "未通过，请到窗口咨询"),
        "progress_query.state.paid": QT_TRANSLATE_NOOP("Messages", "已缴费"),
        "progress_query.state.refunded": QT_TRANSLATE_NOOP("Messages", "已退款"),
        "progress_query.none": QT_TRANSLATE_NOOP("Messages", "未查询到办理记录"),
        "progress_query.printed": QT_TRANSLATE_NOOP("Messages", "已打印"),
        "progress_query.not_printed": QT_TRANSLATE_NOOP("Messages", "未打印，可补打"),
        "progress_query.reprint": QT_TRANSLATE_NOOP("Messages", "补打"),
        "progress_query.finish": QT_TRANSLATE_NOOP("Messages", "完成查询"),
    },
}

# code -> Chinese source text, every group together
CATALOGUE = MappingProxyType({code: zh for group in _GROUPS.values() for code, zh in group.items()})
RATING_SCORES = (5, 4, 3, 2, 1)  # best first, as the buttons are laid out


def codes(*groups: str) -> frozenset[str]:
    """The codes of the named groups (all codes without a name)."""
    return frozenset(code for name in (groups or _GROUPS) for code in _GROUPS[name])


def text(code: str, language: str = SOURCE_LANGUAGE) -> str:
    """The citizen's words for `code` in `language`; Chinese where no translation exists.
    An unknown code raises KeyError: a typo should fail a test, not reach a citizen."""
    source = CATALOGUE[code]
    if language == SOURCE_LANGUAGE:
        return source
    translated = translation(code, language)
    if translated is None:
        _warn_once(code, language)
        return source
    return translated


def translation(code: str, language: str) -> str | None:
    """The translation of `code` from kiosk/i18n/kiosk_<language>.ts, or None if it has none."""
    return _translations(language).get(CATALOGUE[code])


def read_ts(path: Path, context: str = CONTEXT) -> dict[str, str]:
    """Source → translation of one context of a Qt Linguist file, as lrelease would compile it:
    empty, obsolete and vanished translations are left out."""
    translations = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        if ctx.findtext("name") != context:
            continue
        for message in ctx.iter("message"):
            node = message.find("translation")
            if node is None or node.get("type") in ("obsolete", "vanished") or not node.text:
                continue
            translations[message.findtext("source")] = node.text
    return translations


_cache: dict[str, dict[str, str]] = {}
_warned: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _translations(language: str) -> dict[str, str]:
    with _lock:
        if language not in _cache:
            path = I18N_DIR / f"kiosk_{language}.ts"
            try:
                _cache[language] = read_ts(path)
            except (OSError, ET.ParseError) as exc:
                log.warning("no %s texts (%s): speaking Chinese", language, exc)
                _cache[language] = {}
        return _cache[language]


def _warn_once(code: str, language: str) -> None:
    if (code, language) not in _warned:
        _warned.add((code, language))
        log.warning("text %s has no %s translation: using Chinese", code, language)

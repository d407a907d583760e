"""Message codes published by the core, in words a citizen understands (translated by Qt).

The tables hold Chinese source texts marked for lupdate; translation happens at lookup, so a
language switch shows at the next render.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

MESSAGES = {
    "place_card": QT_TRANSLATE_NOOP("Messages", "请将身份证放在读卡区"),
    "card_read_again": QT_TRANSLATE_NOOP("Messages", "读卡未完成，请将身份证重新放好，不要移动"),
    "card_read_failed": QT_TRANSLATE_NOOP("Messages", "读卡失败，请拿起身份证后重新放置"),
    "card_expired": QT_TRANSLATE_NOOP("Messages", "身份证已过有效期，请到窗口办理"),
    "reader_fault": QT_TRANSLATE_NOOP("Messages", "读卡器暂时无法使用，请联系工作人员"),
    "service_unavailable": QT_TRANSLATE_NOOP("Messages", "该业务暂不可用，请选择其他业务"),
    "central_unreachable": QT_TRANSLATE_NOOP("Messages", "暂时无法连接公安业务系统，请稍后再试"),
    "central_rejected": QT_TRANSLATE_NOOP("Messages", "业务系统拒绝了本次申请，请到窗口办理"),
    "machine_timeout": QT_TRANSLATE_NOOP("Messages", "处理超时，请稍后再试或到窗口办理"),
    "receipt_not_printed": QT_TRANSLATE_NOOP("Messages", "回执未能打印，办理结果已保存，可凭身份证到窗口补打"),
    "record_failed": QT_TRANSLATE_NOOP("Messages", "本机存储已满，暂停办理，请联系工作人员"),
    "printer_paper_out": QT_TRANSLATE_NOOP("Messages", "打印机缺纸"),
    "printer_cover_open": QT_TRANSLATE_NOOP("Messages", "打印机盖未关"),
    "printer_unavailable": QT_TRANSLATE_NOOP("Messages", "打印机无法使用"),
    "printer_fault": QT_TRANSLATE_NOOP("Messages", "打印机故障"),
    "idcard_unavailable": QT_TRANSLATE_NOOP("Messages", "身份证读卡器无法使用"),
    "idcard_fault": QT_TRANSLATE_NOOP("Messages", "身份证读卡器故障"),
    "queue_full": QT_TRANSLATE_NOOP("Messages", "本机存储已满"),
    "no_service_available": QT_TRANSLATE_NOOP("Messages", "设备维护中"),
    "closed": QT_TRANSLATE_NOOP("Messages", "不在办理时间"),
    "docprinter_paper_out": QT_TRANSLATE_NOOP("Messages", "证明打印机缺纸"),
    "docprinter_unavailable": QT_TRANSLATE_NOOP("Messages", "证明打印机无法使用"),
    "docprinter_fault": QT_TRANSLATE_NOOP("Messages", "证明打印机故障"),
    "docprinter_cover_open": QT_TRANSLATE_NOOP("Messages", "证明打印机盖未关"),
    "scanner_unavailable": QT_TRANSLATE_NOOP("Messages", "扫码器无法使用"),
    "scanner_fault": QT_TRANSLATE_NOOP("Messages", "扫码器故障，请改用身份证查询"),
    "scan_again": QT_TRANSLATE_NOOP("Messages", "未能识别，请将二维码放平后重新扫描"),
    "code_not_ours": QT_TRANSLATE_NOOP("Messages", "该二维码不是本机回执上的二维码"),
    "document_not_printed": QT_TRANSLATE_NOOP("Messages", "证明未能打印，已开具的证明可在“业务进度查询”中凭身份证补打"),
    "machine_error": QT_TRANSLATE_NOOP("Messages", "本机出现故障，请到窗口办理"),
    "device_action_failed": QT_TRANSLATE_NOOP("Messages", "设备未能完成操作，请联系工作人员"),
    "entry_empty": QT_TRANSLATE_NOOP("Messages", "请先输入"),
    "entry_invalid": QT_TRANSLATE_NOOP("Messages", "输入有误，请检查后重新输入"),
    "code_invalid": QT_TRANSLATE_NOOP("Messages", "编号应为4至32位字母或数字"),
    "plate_province": QT_TRANSLATE_NOOP("Messages", "车牌号应以省份简称开头"),
    "plate_invalid": QT_TRANSLATE_NOOP("Messages", "车牌号格式不正确，请检查"),
    "phone_invalid": QT_TRANSLATE_NOOP("Messages", "请输入11位手机号码"),
    "camera_unavailable": QT_TRANSLATE_NOOP("Messages", "人脸核验摄像头无法使用"),
    "camera_fault": QT_TRANSLATE_NOOP("Messages", "人脸核验摄像头故障"),
    "fingerprint_unavailable": QT_TRANSLATE_NOOP("Messages", "指纹仪无法使用"),
    "fingerprint_fault": QT_TRANSLATE_NOOP("Messages", "指纹仪故障"),
    # the identity check (kiosk/identity/policy.py MESSAGES holds the same texts for speech)
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
}

SUMMARY_LABELS = {
    "service": QT_TRANSLATE_NOOP("Messages", "办理业务"),
    "name": QT_TRANSLATE_NOOP("Messages", "姓名"),
    "id_number": QT_TRANSLATE_NOOP("Messages", "身份证号"),
}

RATING_REASONS = {
    "slow": QT_TRANSLATE_NOOP("Messages", "等待时间长"),
    "hard_to_use": QT_TRANSLATE_NOOP("Messages", "操作不方便"),
    "device_problem": QT_TRANSLATE_NOOP("Messages", "设备有故障"),
    "unhappy_with_result": QT_TRANSLATE_NOOP("Messages", "对结果不满意"),
    "other": QT_TRANSLATE_NOOP("Messages", "其他原因"),
}

RATINGS = (  # 好差评, best first
    (5, QT_TRANSLATE_NOOP("Messages", "非常满意")),
    (4, QT_TRANSLATE_NOOP("Messages", "满意")),
    (3, QT_TRANSLATE_NOOP("Messages", "基本满意")),
    (2, QT_TRANSLATE_NOOP("Messages", "不满意")),
    (1, QT_TRANSLATE_NOOP("Messages", "非常不满意")),
)


def _t(text: str) -> str:
    return QCoreApplication.translate("Messages", text)


def message_text(code: str | None) -> str:
    if not code:
        return ""
    return _t(MESSAGES[code]) if code in MESSAGES else code


def summary_label(code: str) -> str:
    if code.startswith("text:"):
        return code[len("text:"):]  # a service's own text, already in the visit's language
    return _t(SUMMARY_LABELS[code]) if code in SUMMARY_LABELS else code


def rating_labels() -> list[tuple[int, str]]:
    return [(score, _t(text)) for score, text in RATINGS]


def rating_reason(code: str) -> str:
    return _t(RATING_REASONS[code]) if code in RATING_REASONS else code

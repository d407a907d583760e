"""The resident ID card as the kiosk sees it, and the rules of its ID number.

Personal data: `IdCard.__repr__` shows only the masked ID number, so a card that ends up in a
log line or a traceback never leaks a name or a full number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any

from common.idnumber import check_character, mask_id_number  # mask_id_number: re-exported

LONG_TERM = "长期"  # valid_to printed on cards that never expire

SEX_NAMES: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# GB/T 3304 nationality codes as printed on the card (without the 族 suffix).
NATION_NAMES: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统中国籍人士",
}

def id_check_character(first17: str) -> str:
    """The check character ('0'-'9' or 'X') for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need the first 17 digits of an ID number, got {len(first17)} characters")
    return check_character(first17)


def validate_id_number(id_number: str) -> None:
    """Raise ValueError (one line, number masked) unless `id_number` is a well-formed 18-character
    resident ID number: 17 digits, an embedded real birth date, and the right check character."""
    masked = mask_id_number(id_number)
    if len(id_number) != 18:
        raise ValueError(f"ID number {masked} has {len(id_number)} characters, expected 18")
    body, check = id_number[:17], id_number[17]
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"ID number {masked} must start with 17 digits")
    try:
        datetime.datetime.strptime(body[6:14], "%Y%m%d")
    except ValueError:
        raise ValueError(f"ID number {masked} holds no valid birth date") from None
    expected = id_check_character(body)
    if check != expected:
        raise ValueError(f"ID number {masked} has check character {check!r}, expected {expected!r}")


@dataclass(repr=False)
class IdCard:
    name: str
    sex_code: str
    nation_code: str
    birth_date: datetime.date
    address: str
    id_number: str
    authority: str
    valid_from: datetime.date
    valid_to: datetime.date | None  # None = 长期 (no end)
    photo: bytes = b""  # the card's WLT photo as read; only a licensed decoder can render it
    fingerprint: bytes = b""

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def sex_name(self) -> str:
        return SEX_NAMES.get(self.sex_code, self.sex_code)

    @property
    def nation_name(self) -> str:
        return NATION_NAMES.get(self.nation_code, self.nation_code)

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "sex_code": self.sex_code,
            "nation_code": self.nation_code,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "authority": self.authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": LONG_TERM if self.valid_to is None else self.valid_to.isoformat(),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "IdCard":
        """Inverse of to_json. Checks shape and dates; the ID number's check character is left
        to the reader's validation so that a deliberately broken card can still be emulated."""
        if not isinstance(d, dict):
            raise ValueError("a card must be a JSON object")
        text_keys = ("name", "sex_code", "nation_code", "address", "id_number", "authority")
        date_keys = ("birth_date", "valid_from", "valid_to")
        missing = [key for key in text_keys + date_keys if key not in d]
        if missing:
            raise ValueError(f"card is missing {', '.join(missing)}")
        for key in text_keys + date_keys:
            if not isinstance(d[key], str):
                raise ValueError(f"card field {key} must be a string")
        valid_to = None if d["valid_to"] == LONG_TERM else _iso_date(d, "valid_to")
        return cls(
            name=d["name"],
            sex_code=d["sex_code"],
            nation_code=d["nation_code"],
            birth_date=_iso_date(d, "birth_date"),
            address=d["address"],
            id_number=d["id_number"],
            authority=d["authority"],
            valid_from=_iso_date(d, "valid_from"),
            valid_to=valid_to,
        )

    def wipe(self) -> None:
        """Drop every field's content at the end of a visit. Python strings are immutable, so
        this releases the references rather than overwriting memory."""
        for f in fields(self):
            current = getattr(self, f.name)
            if isinstance(current, str):
                setattr(self, f.name, "")
            elif isinstance(current, bytes):
                setattr(self, f.name, b"")
            elif f.name == "valid_to":
                setattr(self, f.name, None)
            else:
                setattr(self, f.name, datetime.date.min)

    def __repr__(self) -> str:
        return f"IdCard(id_number={self.masked_id!r}, photo={len(self.photo)} bytes)"


def _iso_date(d: dict[str, Any], key: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(d[key])
    except ValueError:
        raise ValueError(f"card field {key} is not a YYYY-MM-DD date: {d[key]!r}") from None

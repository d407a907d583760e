"""The eMRTD application's files (ICAO 9303 part 10, the logical data structure), without I/O:
the application id, file ids, and the encoding of EF.COM and EF.DG1 (the MRZ)."""

from __future__ import annotations

from drivers.base import ProtocolError
from drivers.pcsc import apdu

EMRTD_AID = bytes.fromhex("A0000002471001")
EF_COM = 0x011E
EF_DG1 = 0x0101

TAG_COM, TAG_DG1, TAG_MRZ = 0x60, 0x61, 0x5F1F
TAG_LDS_VERSION, TAG_UNICODE_VERSION, TAG_TAG_LIST = 0x5F01, 0x5F36, 0x5C


def encode_com(data_groups: bytes = bytes((TAG_DG1,))) -> bytes:
    """EF.COM: LDS 1.7, Unicode 4.0.0, and the tags of the data groups present."""
    return apdu.tlv(TAG_COM, apdu.tlv(TAG_LDS_VERSION, b"0107") + apdu.tlv(TAG_UNICODE_VERSION, b"040000")
                    + apdu.tlv(TAG_TAG_LIST, data_groups))


def decode_com(data: bytes) -> bytes:
    """The tags of the data groups EF.COM lists."""
    tag, value, end = apdu.read_tlv(data)
    if tag != TAG_COM or end != len(data):
        raise ProtocolError("EF.COM: not a COM template")
    for inner, content in apdu.parse_tlvs(value):
        if inner == TAG_TAG_LIST:
            return content
    raise ProtocolError("EF.COM: no data group list")


def encode_dg1(mrz: str) -> bytes:
    return apdu.tlv(TAG_DG1, apdu.tlv(TAG_MRZ, "".join(mrz.split()).encode("ascii")))


def decode_dg1(data: bytes) -> str:
    """The MRZ characters DG1 holds (one string, no line breaks)."""
    tag, value, end = apdu.read_tlv(data)
    if tag != TAG_DG1 or end != len(data):
        raise ProtocolError("EF.DG1: not a DG1 template")
    inner, mrz, inner_end = apdu.read_tlv(value)
    if inner != TAG_MRZ or inner_end != len(value):
        raise ProtocolError("EF.DG1: no MRZ object")
    if not mrz.isascii():
        raise ProtocolError("EF.DG1: the MRZ is not ASCII")
    return mrz.decode("ascii")

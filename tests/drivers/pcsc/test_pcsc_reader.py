"""The PC/SC driver against a real pcscd, vpcd and the virtual card, for reads and each fault."""

import threading

import pytest

from drivers.base import (
    ChecksumError,
    DeviceState,
    DeviceTimeout,
    DeviceUserError,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.pcsc import mrz
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, ICAO_SPECIMEN_MRZ, demo_mrz
from drivers.pcsc.reader import KEYS_REFUSED, PcscReader
from drivers.registry import open_device, parse_device_url


def read(url: str):
    reader = open_device(url)
    try:
        return reader.read_document()
    finally:
        reader.close()


def test_full_read_returns_the_document(card, reader_name, make_url, wait_card):
    document = read(make_url())
    assert document.to_json() == mrz.parse(demo_mrz(DEFAULT_DOCUMENT)).to_json()
    described = card.describe()
    assert described["counters"]["BAC done"] >= 1
    assert described["bac_session"] is False  # the disconnect reset the chip


def test_icao_specimen_and_doc_birth_expiry_options(card, reader_name, make_url, wait_card):
    card.insert(ICAO_SPECIMEN_MRZ)
    wait_card(True)
    url = make_url().split("?")[0] + "?doc=L898902C&birth=690806&expiry=940623"
    document = read(url)
    assert (document.surname, document.given_names, document.document_code) == ("ERIKSSON", "ANNA MARIA", "P")


def test_no_reader_name_takes_the_first_reader_with_a_card(card, reader_name, make_url, wait_card):
    assert read("pcsc://?" + make_url().split("?")[1]).document_number == "C03005988"


def test_status_online_then_no_media(card, reader_name, make_url, wait_card):
    reader = PcscReader.from_url(parse_device_url(make_url()))
    status = reader.status()
    assert (status.state, status.detail["reader"]) == (DeviceState.ONLINE, reader_name)
    card.remove()
    wait_card(False)
    status = reader.status()
    assert (status.state, status.detail["error"]) == (DeviceState.USER_ERROR, "no_media")
    with pytest.raises(NoMedia, match="no document on the reader"):
        reader.read_document()


def test_unknown_reader_is_not_present(pcsc_service, make_url):
    url = make_url(reader="No Such Reader")
    with pytest.raises(NotPresent, match="no reader named 'No Such Reader'"):
        open_device(url)
    reader = open_device(url, open_now=False)
    assert reader.status().state == DeviceState.NO_DEVICE


def test_wrong_keys_are_refused_with_a_clear_reason(card, reader_name, make_url, wait_card):
    card.set_fault("wrong_keys")
    with pytest.raises(DeviceUserError, match="access keys do not match") as caught:
        read(make_url())
    assert caught.value.message == KEYS_REFUSED and caught.value.device_code == 0x6300


def test_keys_of_another_document_are_refused(card, reader_name, make_url, wait_card):
    with pytest.raises(DeviceUserError, match="access keys do not match"):
        read(make_url(demo_mrz("permit-li-na")))


def test_a_wrong_mac_from_the_card_is_a_checksum_error(card, reader_name, make_url, wait_card):
    card.set_fault("bad_mac")
    with pytest.raises(ChecksumError, match="card's MAC does not verify"):
        read(make_url())


def test_a_corrupt_answer_is_a_protocol_error(card, reader_name, make_url, wait_card):
    card.set_fault("corrupt_response")
    with pytest.raises(ProtocolError, match="TLV"):
        read(make_url())


def test_an_error_status_word_is_mapped(card, reader_name, make_url, wait_card):
    card.set_fault("sw_error", "6A82")
    with pytest.raises(ProtocolError, match=r"SELECT EF.DG1: file or application not found \(SW 6A82\)"):
        read(make_url())


def test_card_removed_mid_read(card, reader_name, make_url, wait_card):
    card.set_fault("card_removed_mid_read")
    bac_done = card.counters["BAC done"]
    with pytest.raises(DeviceUserError, match="removed during the read") as caught:
        read(make_url(timeout=10))
    assert not isinstance(caught.value, NoMedia)  # not "no card": it left while being read
    assert card.counters["BAC done"] == bac_done + 1 and card.describe()["document"] is None


def test_a_mute_chip_times_out_and_the_reader_recovers(card, reader_name, make_url, wait_card):
    card.set_fault("no_answer")
    with pytest.raises(DeviceTimeout, match="no answer within 1 s"):
        read(make_url(timeout=1))
    card.clear_fault("no_answer")
    wait_card(True)
    assert read(make_url(timeout=10)).document_number == "C03005988"


def test_unplugged_link_looks_like_no_document(card, reader_name, make_url, wait_card):
    card.set_fault("unplugged")
    wait_card(False)
    with pytest.raises(NoMedia):
        read(make_url())
    card.clear_fault("unplugged")
    wait_card(True)
    assert read(make_url()).document_number == "C03005988"


def test_plain_reads_after_bac_are_refused(card):
    """The card side of the session rules, on the card object itself."""
    from drivers.pcsc import apdu, bac, lds
    from drivers.pcsc.secure_messaging import SecureMessaging

    assert card.answer(bytes.fromhex("00A4040C07A0000002471001")) == b"\x90\x00"
    assert card.answer(bytes.fromhex("00A4020C020101")) == b"\x69\x82"  # no files before BAC
    challenge = card.answer(bytes.fromhex("0084000008"))[:-2]
    keys = bac.document_keys(mrz.AccessKey.from_mrz(demo_mrz(DEFAULT_DOCUMENT)).mrz_information)
    k_ifd, rnd_ifd = bytes(range(16)), bytes(range(8))
    data = bac.terminal_cryptogram(keys, challenge, rnd_ifd, k_ifd)
    answer = card.answer(apdu.CommandApdu(0, 0x82, 0, 0, data, le=40).to_bytes())
    sm = SecureMessaging(bac.terminal_finish(keys, answer[:-2], challenge, rnd_ifd, k_ifd))
    select = sm.protect_command(apdu.CommandApdu(0, 0xA4, 2, 0x0C, lds.EF_DG1.to_bytes(2, "big")))
    assert sm.unprotect_response(apdu.parse_response(card.answer(select.to_bytes()))).sw == 0x9000
    assert card.answer(bytes.fromhex("00B0000004")) == b"\x69\x87"  # plain read: refused, session over
    assert card.describe()["bac_session"] is False
    card.power_cycle()


def test_concurrent_reads_are_serialised(card, reader_name, make_url, wait_card):
    reader = open_device(make_url(timeout=10))
    results, errors = [], []

    def work():
        try:
            results.append(reader.read_document().document_number)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and results == ["C03005988"] * 4


def test_reader_repr_and_errors_never_show_the_key(make_url):
    url = make_url(timeout="soon")
    with pytest.raises(ValueError) as caught:
        open_device(url, open_now=False)
    assert "C03005988" not in str(caught.value) and "timeout" in str(caught.value)
    with pytest.raises(ValueError, match="unknown option 'speed'") as caught:
        open_device(make_url(speed=1), open_now=False)
    assert "C03005988" not in str(caught.value)
    assert "C03005988" not in repr(open_device(make_url(), open_now=False))

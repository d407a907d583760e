"""BAC and secure messaging against the worked example of ICAO 9303 part 11, appendix D."""

import pytest

from drivers.base import ChecksumError, ProtocolError
from drivers.pcsc import apdu, bac
from drivers.pcsc.mrz import AccessKey
from drivers.pcsc.secure_messaging import SecureMessaging

H = bytes.fromhex

# D.2: the MRZ information of the specimen passport and the keys derived from it
MRZ_INFORMATION = "L898902C<369080619406236"
KSEED = H("239AB9CB282DAF66231DC5A4DF6BFBAE")
KENC = H("AB94FDECF2674FDFB9B391F85D7F76F2")
KMAC = H("7962D9ECE03D1ACD4C76089DCE131543")

# D.3: mutual authentication
RND_ICC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
K_ICC = H("0B4F80323EB3191CB04970CB4052790B")
TERMINAL_DATA = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A7")
CARD_DATA = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")
KS_ENC = H("979EC13B1CBFE9DCD01AB0FED307EAE5")
KS_MAC = H("F1CB1F1FB5ADF208806B89DC579DC1F8")
SSC = 0x887022120C06C226

# D.4: SELECT EF.COM, then READ BINARY of 4 and of 18 bytes, protected and answered
EXCHANGES = [
    ("00A4020C02011E", "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800",
     "990290008E08FA855A5D4C50A8ED9000", ""),
    ("00B0000004", "0CB000000D9701048E08ED6705417E96BA5500",
     "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000", "60145F01"),
    ("00B0000412", "0CB000040D9701128E082EA28A70F3C7B53500",
     "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D749000",
     "04303130365F36063034303030305C026175"),
]


def test_mrz_information_of_the_specimen():
    assert AccessKey("L898902C", "690806", "940623").mrz_information == MRZ_INFORMATION


def test_key_seed_and_document_keys():
    assert bac.key_seed(MRZ_INFORMATION) == KSEED
    keys = bac.document_keys(MRZ_INFORMATION)
    assert (keys.enc, keys.mac) == (KENC, KMAC)


def test_terminal_cryptogram():
    keys = bac.Keys(KENC, KMAC)
    assert bac.terminal_cryptogram(keys, RND_ICC, RND_IFD, K_IFD) == TERMINAL_DATA


def test_card_answer_and_session_on_both_sides():
    keys = bac.Keys(KENC, KMAC)
    answer, card_session = bac.card_answer(keys, TERMINAL_DATA, RND_ICC, K_ICC)
    assert answer == CARD_DATA
    terminal_session = bac.terminal_finish(keys, CARD_DATA, RND_ICC, RND_IFD, K_IFD)
    for session in (card_session, terminal_session):
        assert (session.keys.enc, session.keys.mac, session.ssc) == (KS_ENC, KS_MAC, SSC)


def test_secure_messaging_terminal_side():
    sm = SecureMessaging(bac.Session(bac.Keys(KS_ENC, KS_MAC), SSC))
    for plain, protected, answer, data in EXCHANGES:
        assert sm.protect_command(apdu.parse_command(H(plain))).to_bytes() == H(protected)
        response = sm.unprotect_response(apdu.parse_response(H(answer)))
        assert (response.data, response.sw) == (H(data), 0x9000)
    assert sm.ssc == SSC + 6


def test_secure_messaging_card_side():
    sm = SecureMessaging(bac.Session(bac.Keys(KS_ENC, KS_MAC), SSC))
    for plain, protected, answer, data in EXCHANGES:
        assert sm.unprotect_command(apdu.parse_command(H(protected))) == apdu.parse_command(H(plain))
        assert sm.protect_response(apdu.ResponseApdu(H(data), 0x9000)).to_bytes() == H(answer)


def test_retail_mac_of_the_first_command():
    n = bac.pad(H("887022120C06C227") + H("0CA4020C80000000") + H("8709016375432908C044F6"))
    assert bac.retail_mac(KS_MAC, n) == H("BF8B92D635FF24F8")


def test_wrong_keys_fail_the_card_check():
    wrong = bac.document_keys("L898902C<369080619406244")
    with pytest.raises(ChecksumError, match="terminal's MAC does not verify"):
        bac.card_answer(bac.Keys(KENC, KMAC), bac.terminal_cryptogram(wrong, RND_ICC, RND_IFD, K_IFD),
                        RND_ICC, K_ICC)


def test_a_card_answer_with_a_bad_mac_is_a_checksum_error():
    bad = CARD_DATA[:-1] + bytes([CARD_DATA[-1] ^ 1])
    with pytest.raises(ChecksumError, match="card's MAC"):
        bac.terminal_finish(bac.Keys(KENC, KMAC), bad, RND_ICC, RND_IFD, K_IFD)


def test_a_card_answer_for_another_nonce_is_refused():
    with pytest.raises(ProtocolError, match="nonces"):
        bac.terminal_finish(bac.Keys(KENC, KMAC), CARD_DATA, RND_ICC, bytes(8), K_IFD)


def test_a_replayed_answer_fails_its_mac():
    sm = SecureMessaging(bac.Session(bac.Keys(KS_ENC, KS_MAC), SSC))
    _, protected, answer, _ = EXCHANGES[0]
    sm.protect_command(apdu.parse_command(H(EXCHANGES[0][0])))
    sm.unprotect_response(apdu.parse_response(H(answer)))
    sm.protect_command(apdu.parse_command(H(EXCHANGES[1][0])))
    with pytest.raises(ChecksumError):
        sm.unprotect_response(apdu.parse_response(H(answer)))  # the counter moved on


def test_parity_is_odd_in_every_byte():
    assert all(bin(b).count("1") % 2 == 1 for b in bac.adjust_parity(bytes(range(256))))

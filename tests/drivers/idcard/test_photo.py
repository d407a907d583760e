"""The card photo: stand-in images decode, WLT needs a decoder library, nothing else passes."""

from __future__ import annotations

import shutil
import subprocess

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import demo_photo
from drivers.idcard.photo import (
    PHOTO_BLOCK_SIZE,
    PHOTO_HEIGHT,
    PHOTO_WIDTH,
    PhotoUndecodable,
    WltLibrary,
    decode_photo,
    encode_stand_in_photo,
)

# A stand-in for a vendor's WLT decoder, built from C at test time so that the ctypes path is
# exercised against a real shared library. It "decodes" by writing a fixed 102x126 bitmap whose
# blue channel holds the first input byte; an input starting with 0xEE makes it fail.
FAKE_WLT_DECODER = r"""
#include <string.h>
int unpack(char *wlt, char *out, int save_bmp) {
    (void)save_bmp;
    if ((unsigned char)wlt[0] == 0xEE) return -3;
    const int w = 102, h = 126, row = (w * 3 + 3) & ~3, size = 54 + row * h;
    memset(out, 0, size);
    out[0] = 'B'; out[1] = 'M';
    *(int *)(out + 2) = size; *(int *)(out + 10) = 54; *(int *)(out + 14) = 40;
    *(int *)(out + 18) = w; *(int *)(out + 22) = h;
    *(short *)(out + 26) = 1; *(short *)(out + 28) = 24; *(int *)(out + 34) = row * h;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) out[54 + y * row + x * 3] = wlt[0];
    return 1;
}
int renamed(char *wlt, char *out, int save_bmp) { return unpack(wlt, out, save_bmp); }
"""


@pytest.fixture(scope="module")
def wlt_library(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build the stand-in WLT decoder (packaging/system-deps.sh base)")
    work = tmp_path_factory.mktemp("wlt")
    (work / "fakewlt.c").write_text(FAKE_WLT_DECODER)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(work / "libfakewlt.so"), str(work / "fakewlt.c")],
                   check=True, timeout=60)
    return work / "libfakewlt.so"


def test_demo_card_with_a_face_carries_a_decodable_portrait():
    card = load_demo_card("zhang-wei")
    assert len(card.photo) == PHOTO_BLOCK_SIZE
    image = decode_photo(card.photo)
    assert image.shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)
    assert 40 < image.mean() < 220  # a picture, not a blank


def test_two_demo_cards_with_different_faces_have_different_portraits():
    first = decode_photo(load_demo_card("zhang-wei").photo).astype(int)
    second = decode_photo(load_demo_card("li-na").photo).astype(int)
    assert np.abs(first - second).mean() > 20


def test_stand_in_photo_keeps_the_picture_and_fits_the_block():
    gradient = np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (400, 1))
    portrait = cv2.merge([gradient, gradient, gradient])
    block = encode_stand_in_photo(portrait)
    assert len(block) == PHOTO_BLOCK_SIZE
    decoded = cv2.cvtColor(decode_photo(block), cv2.COLOR_BGR2GRAY).astype(int)
    expected = cv2.resize(gradient, (PHOTO_WIDTH, PHOTO_HEIGHT), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(decoded - expected).mean() < 12


def test_wlt_bytes_without_a_decoder_are_refused_plainly():
    card = load_demo_card("chen-siyuan")  # no face in its file: the block is opaque bytes
    with pytest.raises(PhotoUndecodable, match="no licensed decoder"):
        decode_photo(demo_photo(card))
    with pytest.raises(PhotoUndecodable, match="no photo"):
        decode_photo(b"")


def test_a_damaged_standard_image_is_refused():
    block = load_demo_card("zhang-wei").photo
    with pytest.raises(PhotoUndecodable, match="damaged"):
        decode_photo(block[:40])


def test_a_vendor_library_decodes_wlt_through_ctypes(wlt_library):
    decoder = WltLibrary(wlt_library)
    image = decode_photo(bytes([0x7B]) + bytes(PHOTO_BLOCK_SIZE - 1), decoder)
    assert image.shape == (PHOTO_HEIGHT, PHOTO_WIDTH, 3)
    assert (image[:, :, 0] == 0x7B).all() and (image[:, :, 1:] == 0).all()


def test_a_vendor_library_with_another_symbol_name(wlt_library):
    image = decode_photo(b"\x10" * PHOTO_BLOCK_SIZE, WltLibrary(wlt_library, symbol="renamed"))
    assert (image[:, :, 0] == 0x10).all()


def test_a_vendor_library_refusing_a_photo_is_reported(wlt_library):
    with pytest.raises(PhotoUndecodable, match="code -3"):
        decode_photo(b"\xee" * PHOTO_BLOCK_SIZE, WltLibrary(wlt_library))


def test_a_missing_library_or_symbol_is_a_clear_error(wlt_library, tmp_path):
    with pytest.raises(PhotoUndecodable, match="cannot load WLT decoder"):
        WltLibrary(tmp_path / "nope.so")
    with pytest.raises(PhotoUndecodable, match="no function 'decode_wlt'"):
        WltLibrary(wlt_library, symbol="decode_wlt")


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=1024).map(lambda tail: b"\xff\xd8\xff" + tail),
    st.binary(max_size=1024).map(lambda tail: b"RIFF\x00\x00\x00\x00WEBP" + tail),
    st.binary(max_size=1024).map(lambda tail: b"\x89PNG\r\n\x1a\n" + tail),
))
def test_any_photo_block_decodes_or_is_refused(block):
    try:
        image = decode_photo(block)
    except PhotoUndecodable:
        return
    assert image.ndim == 3 and image.shape[2] == 3

"""render_pdf's output as poppler reads it: real text, the CJK font embedded, QR and photo."""

from __future__ import annotations

import re
import subprocess

import cv2
import pytest

from kiosk.documents import Document, DocumentError, render_pdf, warm_up
from kiosk.documents.fonts import CjkFont, FontMissing
from support.pdf_tools import pdf_text, poppler, portrait


@pytest.fixture
def written(tmp_path, certificate):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(render_pdf(certificate))
    return path


def test_title_number_fields_and_paragraphs_are_real_text(written, certificate):
    text = pdf_text(written)
    assert certificate.title in text
    assert text.count(certificate.number) == 2  # top right and under the QR code
    for label, value in certificate.fields:
        assert f"{label}：{value}" in text
    for paragraph in certificate.paragraphs:
        assert paragraph in text
    for small in (certificate.issuer, "扫码核验", "2026年12月2日09:30", "涂改无效。"):
        assert small in text


def test_noto_sans_cjk_sc_is_embedded_as_a_subset(written):
    rows = [line.split() for line in poppler("pdffonts", str(written)).splitlines()[2:]]
    assert len(rows) == 1, rows
    name, *_, emb, sub, uni, _obj, _gen = rows[0]
    assert re.fullmatch(r"[A-Z]{6}\+NotoSansCJKSC", name), name
    assert (emb, sub, uni) == ("yes", "yes", "yes")
    assert written.stat().st_size < 200_000  # a subset, not the 16 MB face


def test_the_qr_code_decodes_to_the_verify_url(written, certificate, tmp_path):
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-singlefile", str(written), str(tmp_path / "page")],
                   check=True, timeout=30)
    page = cv2.imread(str(tmp_path / "page.png"))
    assert abs(page.shape[0] - 2339) <= 1 and abs(page.shape[1] - 1654) <= 1  # A4 at 200 dpi
    # the phone at the verification desk reads the whole page; so does OpenCV's detector
    decoded, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(page)
    assert decoded == certificate.verify_url


@pytest.mark.parametrize("kind", ["WEBP", "JPEG", "PNG"])
def test_the_photo_is_placed_as_an_image(tmp_path, certificate, kind):
    certificate.photo = portrait(kind)
    path = tmp_path / "c.pdf"
    path.write_bytes(render_pdf(certificate))
    images = poppler("pdfimages", "-list", str(path)).splitlines()[2:]
    assert len(images) == 1
    width, height = images[0].split()[3:5]
    assert (width, height) == ("102", "126")


def test_without_photo_or_qr_there_is_no_image_and_no_caption(tmp_path, certificate):
    certificate.photo = None
    certificate.verify_url = None
    path = tmp_path / "c.pdf"
    path.write_bytes(render_pdf(certificate))
    assert poppler("pdfimages", "-list", str(path)).splitlines()[2:] == []
    text = pdf_text(path)
    assert "扫码核验" not in text and text.count(certificate.number) == 1


def test_a_photo_that_is_no_image_is_refused_in_one_line(certificate):
    certificate.photo = b"WLT\x00" + bytes(1020)
    with pytest.raises(DocumentError, match="^photo is not a readable image"):
        render_pdf(certificate)


def test_a_gif_photo_is_refused(certificate):
    from PIL import Image
    import io

    out = io.BytesIO()
    Image.new("L", (10, 10)).save(out, "GIF")
    certificate.photo = out.getvalue()
    with pytest.raises(DocumentError, match="JPEG, PNG or WebP"):
        render_pdf(certificate)


def test_long_text_flows_onto_a_second_page(tmp_path, certificate):
    certificate.paragraphs = [f"第{n}段：" + "本证明内容较长，用于检查换页。" * 12 for n in range(1, 16)]
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(certificate))
    info = poppler("pdfinfo", str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2
    text = pdf_text(path)
    assert "第15段：" in text and text.count(certificate.number) == 2


def test_no_title_is_refused():
    with pytest.raises(DocumentError, match="title"):
        render_pdf(Document(title=" ", number="1", issuer="x"))


def test_repr_keeps_personal_data_out(certificate):
    assert "张三" not in repr(certificate) and "110101" not in repr(certificate)


def test_a_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        CjkFont(tmp_path / "none.ttc").warm_up()


def test_a_face_not_in_the_collection_is_named():
    with pytest.raises(FontMissing, match="no face NotoSansCJKxx-Regular"):
        CjkFont(face="NotoSansCJKxx-Regular").warm_up()


def test_documents_are_independent(tmp_path, certificate):
    """Each document gets its own copy of the font: the second one's subset holds its own text."""
    first = render_pdf(certificate)
    other = Document(title="临时身份证明", number="LS-1", issuer="YY派出所", paragraphs=["鑫淼犇骉"])
    second = render_pdf(other)
    (tmp_path / "1.pdf").write_bytes(first)
    (tmp_path / "2.pdf").write_bytes(second)
    assert "鑫淼犇骉" in pdf_text(tmp_path / "2.pdf")
    assert "张三" in pdf_text(tmp_path / "1.pdf") and "张三" not in pdf_text(tmp_path / "2.pdf")

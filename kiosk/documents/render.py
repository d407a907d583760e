"""A `Document` laid out on A4 and written as PDF (fpdf2; see fonts.py for why).

Layout, in millimetres from the top left: the number top right, the title centred, the fields
as label：value rows with the photo to their right, the body paragraphs (two-character indent,
Chinese line breaking from wrap.py), then at the foot the QR code with 扫码核验 and the number
on the left, the issuer and the date on the right, and the small print. Text stays text, so
the PDF is searchable and `pdftotext` reads it back. The QR code is drawn as vector squares, so
it prints sharp at any resolution.
"""

from __future__ import annotations

import io
import threading

import qrcode
from fpdf import FPDF
from PIL import Image, UnidentifiedImageError

from kiosk.documents.fonts import CjkFont, FontMissing, forget_subset_caches
from kiosk.documents.model import Document, DocumentError
from kiosk.documents.wrap import wrap

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 20.0
CONTENT_W = PAGE_W - 2 * MARGIN
FAMILY = "cjk"
PHOTO_BOX = (28.0, 35.0)  # a one-inch (一寸) portrait: 25 × 35 mm, with room
QR_SIZE = 28.0
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}

_font = CjkFont.from_environment()
# fpdf2's glyph caches are process-wide (fonts.forget_subset_caches): one document at a time.
_render_lock = threading.Lock()


def warm_up() -> None:
    """Parse the font now (at start-up) instead of during the first citizen's certificate."""
    try:
        _font.warm_up()
    except FontMissing as exc:
        raise DocumentError(str(exc)) from None


def render_pdf(document: Document) -> bytes:
    """The certificate as PDF bytes. Raises DocumentError for input it cannot render."""
    document.check()
    photo = _decode_photo(document.photo) if document.photo else None
    with _render_lock:
        try:
            pdf = _new_pdf(document)
        except FontMissing as exc:
            raise DocumentError(str(exc)) from None
        try:
            _Layout(pdf, document, photo).draw()
            return bytes(pdf.output())
        finally:
            forget_subset_caches()


def _new_pdf(document: Document) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_creator("police-kiosk")
    pdf.set_title(document.title)
    pdf.set_lang("zh-CN")
    _font.install(pdf, FAMILY)
    return pdf


def _decode_photo(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        kind = image.format
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DocumentError(f"photo is not a readable image ({type(exc).__name__})") from None
    if kind not in PHOTO_FORMATS:
        raise DocumentError(f"photo must be JPEG, PNG or WebP, not {kind}")
    return image.convert("L" if image.mode in ("L", "LA", "1", "I;16") else "RGB")


class _Layout:
    def __init__(self, pdf: FPDF, document: Document, photo: Image.Image | None):
        self.pdf = pdf
        self.doc = document
        self.photo = photo

    def draw(self) -> None:
        self._page()
        self._header()
        y = self._fields(50.0)
        foot_top = self._foot_top()
        y = self._paragraphs(y + 6.0, foot_top)
        if y > foot_top:
            self._page()
        self._foot(foot_top)

    # --- pieces ---

    def _page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        pdf.set_draw_color(150, 30, 30)
        pdf.set_line_width(0.6)
        pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)
        pdf.set_line_width(0.2)
        pdf.rect(14, 14, PAGE_W - 28, PAGE_H - 28)
        pdf.set_draw_color(0, 0, 0)

    def _header(self) -> None:
        self._text_right(f"编号：{self.doc.number}", 18.0, size=10)
        pdf = self.pdf
        pdf.set_font(FAMILY, size=24)
        pdf.set_char_spacing(3)
        pdf.set_xy(MARGIN, 28.0)
        pdf.cell(CONTENT_W, 12, self.doc.title, align="C")
        pdf.set_char_spacing(0)

    def _fields(self, top: float) -> float:
        pdf = self.pdf
        if not self.doc.fields and self.photo is None:
            return top
        size, row_h, line_h = 12, 8.5, 6.0
        pdf.set_font(FAMILY, size=size)
        label_w = max((pdf.get_string_width(f"{label}：") for label, _ in self.doc.fields), default=0)
        value_x = MARGIN + 4 + label_w
        photo_bottom = top
        if self.photo is not None:
            photo_bottom = self._photo(top)
        y = top
        for label, value in self.doc.fields:
            right = PAGE_W - MARGIN - PHOTO_BOX[0] - 6 if self.photo is not None and y < photo_bottom else PAGE_W - MARGIN
            lines = wrap(value, right - value_x, pdf.get_string_width) or [""]
            pdf.set_xy(MARGIN + 4, y)
            pdf.cell(label_w, row_h, f"{label}：")
            for number, line in enumerate(lines):
                pdf.set_xy(value_x, y + number * line_h)
                pdf.cell(right - value_x, row_h, line)
            y += row_h + (len(lines) - 1) * line_h
        return max(y, photo_bottom)

    def _photo(self, top: float) -> float:
        box_w, box_h = PHOTO_BOX
        width, height = self.photo.size
        scale = min(box_w / width, box_h / height)
        w, h = width * scale, height * scale
        x = PAGE_W - MARGIN - box_w + (box_w - w) / 2
        self.pdf.image(self.photo, x=x, y=top, w=w, h=h)
        self.pdf.set_line_width(0.2)
        self.pdf.rect(x, top, w, h)
        return top + h

    def _paragraphs(self, y: float, limit: float) -> float:
        pdf = self.pdf
        size, line_h = 12, 7.5
        pdf.set_font(FAMILY, size=size)
        indent = pdf.get_string_width("中中")
        for paragraph in self.doc.paragraphs:
            for number, line in enumerate(wrap(paragraph, CONTENT_W, pdf.get_string_width, first_indent=indent)):
                if y + line_h > limit:
                    self._page()
                    pdf.set_font(FAMILY, size=size)
                    y = MARGIN + 5
                pdf.set_xy(MARGIN + (indent if number == 0 else 0), y)
                pdf.cell(CONTENT_W, line_h, line)
                y += line_h
            y += 2.0
        return y

    def _footer_lines(self) -> list[str]:
        if not self.doc.footer:
            return []
        self.pdf.set_font(FAMILY, size=8)
        return [line for part in self.doc.footer.split("\n") for line in wrap(part, CONTENT_W, self.pdf.get_string_width)]

    def _foot_top(self) -> float:
        block_h = QR_SIZE + 12 if self.doc.verify_url else 22.0
        return PAGE_H - 18 - 4.2 * len(self._footer_lines()) - 6 - block_h

    def _foot(self, top: float) -> None:
        pdf = self.pdf
        if self.doc.verify_url:
            self._qr(self.doc.verify_url, MARGIN, top)
            centre = MARGIN + QR_SIZE / 2
            self._text_centred("扫码核验", centre, top + QR_SIZE + 1, size=9)
            self._text_centred(self.doc.number, centre, top + QR_SIZE + 6, size=8)
        self._text_right(self.doc.issuer, top + 6, size=14)
        if self.doc.issued_at:
            self._text_right(self.doc.issued_at, top + 15, size=12)
        lines = self._footer_lines()
        y = PAGE_H - 18 - 4.2 * len(lines)
        for line in lines:
            pdf.set_font(FAMILY, size=8)
            pdf.set_xy(MARGIN, y)
            pdf.cell(CONTENT_W, 4.2, line, align="C")
            y += 4.2

    def _qr(self, data: str, x: float, y: float) -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        module = QR_SIZE / len(matrix)
        pdf = self.pdf
        pdf.set_fill_color(0, 0, 0)
        for row_number, row in enumerate(matrix):
            column = 0
            while column < len(row):
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                # a hair taller than a module so neighbouring rows leave no white seam on screen
                pdf.rect(x + start * module, y + row_number * module, (column - start) * module,
                         module + 0.02, style="F")

    # --- text helpers ---

    def _text_right(self, text: str, y: float, *, size: float) -> None:
        self.pdf.set_font(FAMILY, size=size)
        self.pdf.set_xy(MARGIN, y)
        self.pdf.cell(CONTENT_W, size * 0.5, text, align="R")

    def _text_centred(self, text: str, centre: float, y: float, *, size: float) -> None:
        pdf = self.pdf
        pdf.set_font(FAMILY, size=size)
        width = pdf.get_string_width(text) + 2
        pdf.set_xy(centre - width / 2, y)
        pdf.cell(width, size * 0.5, text, align="C")

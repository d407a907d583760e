"""A4 certificates (无犯罪记录证明 and the like) as PDF with an embedded CJK font. No Qt.

    from kiosk.documents import Document, render_pdf
    pdf_bytes = render_pdf(Document(title="无犯罪记录证明", number="…", issuer="XX市公安局", …))
"""

from kiosk.documents.model import Document, DocumentError
from kiosk.documents.render import render_pdf, warm_up

__all__ = ["Document", "DocumentError", "render_pdf", "warm_up"]

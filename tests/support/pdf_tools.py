"""Reading PDFs back with Debian's poppler-utils, and a certificate to print."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kiosk.documents import Document


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (packaging/system-deps.sh cups: poppler-utils)")
    done = subprocess.run([tool, *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pdf_text(path: Path) -> str:
    """pdftotext's reading of the PDF, with all white space removed (lines are wrapped)."""
    return "".join(poppler("pdftotext", str(path), "-").split())


def portrait(kind: str = "WEBP", size=(102, 126)) -> bytes:
    """A card-sized portrait: a dark oval on grey, like the demo cards' photos."""
    image = Image.new("L", size, 200)
    for y in range(size[1]):
        for x in range(size[0]):
            if ((x - size[0] / 2) / 35) ** 2 + ((y - size[1] / 2.2) / 45) ** 2 < 1:
                image.putpixel((x, y), 60)
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def sample_certificate() -> Document:
    return Document(
        title="无犯罪记录证明",
        number="WFZ-2026-000123",
        issuer="XX市公安局",
        fields=[("姓名", "张三"), ("性别", "男"), ("公民身份号码", "110101199003071234"),
                ("户籍地址", "北京市东城区景山前街4号院东二楼三单元1201室")],
        paragraphs=[
            "经查询全国违法犯罪人员信息资源库，截至本证明出具之日，未发现张三（公民身份号码110101199003071234）有犯罪记录。",
            "本证明仅证明该人员在我国境内的犯罪记录情况，有效期三个月。",
        ],
        verify_url="https://verify.example.invalid/c/WFZ-2026-000123?k=3f9a",
        photo=portrait(),
        issued_at="2026年12月2日 09:30",
        footer="本证明由警务自助服务站打印，可扫描二维码核验真伪。涂改无效。",
    )

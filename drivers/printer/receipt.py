"""A receipt as a list of printable elements, independent of any printer language.

Services build a `Receipt`; the printer driver renders it to ESC/POS; screens and logs use
`plain_text()`. Elements are small frozen dataclasses so a receipt can be compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Align = Literal["left", "center", "right"]
ALIGNMENTS: tuple[str, ...] = ("left", "center", "right")
PLAIN_TEXT_COLUMNS = 32  # a 58 mm roll; only used to draw rules in plain_text()


@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False
    align: Align = "left"
    double: bool = False  # double width and height


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class Qr:
    data: str
    size: int = 6  # module size in dots, 1-16


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Element = Union[Text, Rule, Qr, Feed, Cut]


@dataclass
class Receipt:
    """Build with chained calls: `Receipt().title("无犯罪记录证明").field("受理编号", no).cut()`."""

    elements: list[Element] = field(default_factory=list)

    def title(self, text: str) -> Receipt:
        return self._add(Text(text, bold=True, align="center", double=True))

    def line(self, text: str = "", *, bold: bool = False, align: Align = "left") -> Receipt:
        if align not in ALIGNMENTS:
            raise ValueError(f"align must be one of {', '.join(ALIGNMENTS)}, not {align!r}")
        return self._add(Text(text, bold=bold, align=align))

    def field(self, label: str, value: object) -> Receipt:
        return self._add(Text(f"{label}：{value}"))

    def rule(self) -> Receipt:
        return self._add(Rule())

    def qr(self, data: str, size: int = 6) -> Receipt:
        if not data:
            raise ValueError("a QR code needs data")
        if not 1 <= size <= 16:
            raise ValueError(f"QR module size must be 1-16, not {size}")
        return self._add(Qr(data, size))

    def feed(self, lines: int = 1) -> Receipt:
        if not 0 <= lines <= 255:
            raise ValueError(f"feed lines must be 0-255, not {lines}")
        return self._add(Feed(lines))

    def cut(self) -> Receipt:
        return self._add(Cut())

    def plain_text(self, columns: int = PLAIN_TEXT_COLUMNS) -> str:
        """What a person reads on the paper, one element per line; QR codes as `[QR] data`."""
        lines: list[str] = []
        for element in self.elements:
            if isinstance(element, Text):
                lines.append(element.text)
            elif isinstance(element, Rule):
                lines.append(element.char * columns)
            elif isinstance(element, Qr):
                lines.append(f"[QR] {element.data}")
            elif isinstance(element, Feed):
                lines.extend([""] * element.lines)
        return "\n".join(lines)

    def _add(self, element: Element) -> Receipt:
        self.elements.append(element)
        return self

"""The certificate's CJK font: Noto Sans CJK SC from Debian's fonts-noto-cjk, embedded as a subset.

Why fpdf2: the kiosk's font is a TrueType Collection (.ttc) whose faces have CFF (PostScript)
outlines. reportlab embeds only TrueType (glyf) outlines, so it cannot use it; WeasyPrint would
bring Pango and a whole HTML engine for one page. fpdf2 opens a face of the collection through
fontTools (`collection_font_number`), subsets it with fontTools and embeds it as a CIDFontType0C
font with a ToUnicode map, so `pdftotext` reads the text back and `pdffonts` lists it as
embedded. No face needs extracting from the .ttc: the face is picked by its PostScript name,
because the face order in a collection is not a promise.

Why a warm copy: fpdf2 parses the font for every document (hmtx, cmap and CFF charset of 65,535
glyphs: about 0.3 s) and its subsetter then edits that parsed font in place. `CjkFont` parses it
once, keeps the parsed tables as a pickle, and gives each document its own unpickled copy (about
0.07 s) behind fpdf2's font object. This touches fpdf2's font internals, hence the pin to one
minor version in pyproject.toml; if they change, `install` falls back to the plain (slower)
`add_font` and says so once in the log.
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
import threading
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf import fonts as fpdf_fonts

log = logging.getLogger(__name__)

DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_FACE = "NotoSansCJKsc-Regular"
# KIOSK_CJK_FONT=/path/font.ttc[#PostScriptName] points the renderer at another CJK font.
FONT_ENV = "KIOSK_CJK_FONT"


class FontMissing(RuntimeError):
    """The CJK font cannot be found or read."""


def face_index(path: Path, postscript_name: str | None) -> int:
    """The index of the face called `postscript_name` in a collection (0 for a plain font)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    collection = ttLib.TTCollection(str(path), lazy=True)
    try:
        names = [font["name"].getDebugName(6) for font in collection.fonts]
    finally:
        collection.close()
    if postscript_name is None:
        return 0
    if postscript_name not in names:
        raise FontMissing(f"no face {postscript_name} in {path} (faces: {', '.join(map(str, names))})")
    return names.index(postscript_name)


class CjkFont:
    """One font file (and face) that documents embed; parsed once per process."""

    def __init__(self, path: Path = DEFAULT_FONT, face: str | None = DEFAULT_FACE):
        self.path = Path(path)
        self.face = face
        self._lock = threading.Lock()
        self._index: int | None = None
        self._template = None  # fpdf2's font object, parsed once
        self._parsed: bytes | None = None  # pickle of the parsed fontTools font
        self._warm_failed = False

    @classmethod
    def from_environment(cls) -> CjkFont:
        value = os.environ.get(FONT_ENV)
        if not value:
            return cls()
        path, _, face = value.partition("#")
        return cls(Path(path), face or None)

    def warm_up(self) -> None:
        """Parse the font now (about 0.6 s), so the first certificate prints as fast as the rest."""
        with self._lock:
            self._prepare()

    def install(self, pdf: FPDF, family: str) -> None:
        """Make `family` usable in `pdf`, with its own copy of the parsed font."""
        with self._lock:
            self._prepare()
            if self._template is None:
                pdf.add_font(family, fname=str(self.path), collection_font_number=self._index)
                return
            font = copy.copy(self._template)
            parsed = pickle.loads(self._parsed)
        # The per-document state fpdf2 keeps on its font object; the rest is read-only.
        font.i = len(pdf.fonts) + 1
        font.ttfont = parsed
        font.subset = fpdf_fonts.SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        pdf.fonts[family] = font

    def _prepare(self) -> None:
        if self._index is None:
            if not self.path.is_file():
                raise FontMissing(f"CJK font not found: {self.path} (Debian package fonts-noto-cjk)")
            try:
                self._index = face_index(self.path, self.face)
            except (OSError, ttLib.TTLibError) as exc:
                raise FontMissing(f"cannot read the CJK font {self.path}: {exc}") from None
        if self._template is not None or self._warm_failed:
            return
        parsed = None
        try:
            scratch = FPDF()
            scratch.add_font("cjk", fname=str(self.path), collection_font_number=self._index)
            template = scratch.fonts["cjk"]
            parsed = ttLib.TTFont(str(self.path), fontNumber=self._index, lazy=True, recalcBBoxes=False)
            for tag in parsed.keys():
                if tag != "GlyphOrder":
                    parsed[tag]  # decompile now; the copies then need no file
            parsed.getGlyphOrder()
            for name in ("i", "ttfont", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont"):
                getattr(template, name)
            self._parsed = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
            # Each document gets its own unpickled copy (install): the template's own parse
            # (~45 MB) would only sit in memory.
            template.ttfont = None
            self._template = template
        except (AttributeError, TypeError, pickle.PicklingError) as exc:
            self._warm_failed = True
            log.warning("fpdf2's font object changed (%s): parsing the font for every document", exc)
        del parsed  # cyclic: freed by the next collection (the core runs one between visits)


def forget_subset_caches() -> None:
    """fpdf2 caches glyph look-ups per font object in functools caches that hold the font (and
    so its parsed copy, ~100 MB) for ever; clear them once a document is written."""
    for name in ("pick", "get_glyph"):
        method = getattr(fpdf_fonts.SubsetMap, name, None)
        if hasattr(method, "cache_clear"):
            method.cache_clear()

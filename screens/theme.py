"""Touch-first look: text at least 28 px, targets at least 60 px (most are 96 px), high contrast."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

BLUE = "#0b3d91"
BLUE_DARK = "#072a66"
LIGHT = "#f3f6fb"
GREEN = "#17803d"
RED = "#b3261e"
GREY = "#6b7280"

TEXT_PX = 30
TITLE_PX = 48
HUGE_PX = 64
TARGET_PX = 96  # height of every primary button

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")


def base_font() -> QFont:
    available = set(QFontDatabase.families())
    family = next((f for f in CJK_FAMILIES if f in available), None)
    font = QFont(family) if family else QFont()
    font.setPixelSize(TEXT_PX)
    return font


STYLE = f"""
QWidget {{ background: {LIGHT}; color: #111827; font-size: {TEXT_PX}px; }}
QLabel#title {{ font-size: {TITLE_PX}px; font-weight: bold; color: {BLUE}; }}
QLabel#huge {{ font-size: {HUGE_PX}px; font-weight: bold; color: {BLUE}; }}
QLabel#message {{ font-size: {TEXT_PX}px; color: {RED}; }}
QLabel#hint {{ font-size: {TEXT_PX}px; color: {GREY}; }}
QLabel#good {{ font-size: {TITLE_PX}px; font-weight: bold; color: {GREEN}; }}
QLabel#bad {{ font-size: {TITLE_PX}px; font-weight: bold; color: {RED}; }}
QFrame#header {{ background: {BLUE}; }}
QFrame#header QLabel {{ background: {BLUE}; color: white; font-size: {TEXT_PX}px; }}
QFrame#header QPushButton {{ background: {BLUE_DARK}; color: white; border: 2px solid white;
    border-radius: 12px; min-height: 64px; min-width: 160px; padding: 0 16px; }}
QPushButton {{ background: {BLUE}; color: white; border: none; border-radius: 16px;
    min-height: {TARGET_PX}px; padding: 8px 24px; font-size: {TEXT_PX + 4}px; font-weight: bold; }}
QPushButton:pressed {{ background: {BLUE_DARK}; }}
QPushButton:disabled {{ background: #c7cdd8; color: #4b5563; }}
QPushButton#secondary {{ background: white; color: {BLUE}; border: 3px solid {BLUE}; }}
QPushButton#tile {{ min-height: 200px; text-align: center; }}
QPushButton#compact {{ background: white; color: {BLUE}; border: 2px solid {BLUE}; min-height: 56px;
    padding: 4px 14px; font-size: {TEXT_PX - 4}px; }}
QPushButton#option {{ background: white; color: {BLUE}; border: 3px solid {BLUE}; }}
QPushButton#option:checked {{ background: {BLUE}; color: white; }}
QPushButton#option:disabled {{ background: #e5e7eb; color: #4b5563; border: 3px dashed #9ca3af; }}
QFrame#overlay {{ background: rgba(0, 0, 0, 160); }}
QFrame#dialog {{ background: white; border-radius: 24px; }}
QFrame#dialog QLabel {{ background: white; }}
"""

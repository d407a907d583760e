"""Chinese by default; English through Qt's translation system (kiosk/i18n/kiosk_en.qm).

Source strings are Chinese, so the kiosk shows Chinese even if no translation file loads; the
English is compiled from kiosk/i18n/kiosk_en.ts by `script/bootstrap` (pyside6-lrelease). The
same .ts holds the widgets' own texts and the core's message catalogue (kiosk/texts.py), which
the core reads without Qt for speech.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.texts import I18N_DIR

log = logging.getLogger(__name__)


class Translations:
    def __init__(self, directory: Path = I18N_DIR):
        self.directory = directory
        self.current = "zh"
        self._translators: dict[str, QTranslator] = {}

    def available(self, language: str) -> bool:
        return language == "zh" or self._load(language) is not None

    def use(self, language: str) -> None:
        if language == self.current:
            return
        app = QCoreApplication.instance()
        if self.current in self._translators:
            app.removeTranslator(self._translators[self.current])
        translator = self._load(language) if language != "zh" else None
        if translator is not None:
            app.installTranslator(translator)
        self.current = language

    def _load(self, language: str) -> QTranslator | None:
        if language not in self._translators:
            translator = QTranslator()
            if not translator.load(f"kiosk_{language}", str(self.directory)):
                log.warning("no %s translation in %s: showing Chinese", language, self.directory)
                return None
            self._translators[language] = translator
        return self._translators[language]

from __future__ import annotations

from screens.scan import DevicePromptPage


class DocumentPage(DevicePromptPage):
    """The travel permit on the chip-document reader."""

    def texts(self) -> tuple[str, str]:
        return self.tr("请将港澳通行证放在证件读取区"), self.tr("证件正面朝上，放好后请不要移动，读取约需3秒")

from __future__ import annotations

from screens.messages import message_text
from screens.widgets import ButtonGrid, Page, label


class HomePage(Page):
    """Service tiles from config; a service that cannot be offered is greyed out with its reason."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.title = label(role="title")
        self.message = label(role="message")
        self.tiles = ButtonGrid(columns=2)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.tiles, 1)
        self.layout_.addWidget(self.message)

    def render(self, view) -> None:
        self.title.setText(message_text("spoken.home"))
        rows = []
        for tile in view.tiles:
            text = tile.title + ("\n" + tile.subtitle if tile.subtitle else "")
            if not tile.available and tile.reason == "closed":
                text = tile.title + "\n" + self.tr("办理时间：") + "，".join(tile.hours)
            elif not tile.available:
                text = tile.title + "\n" + self.tr("暂不可用：") + message_text(tile.reason)
            rows.append((tile.id, text, tile.available))
        self.tiles.set_buttons(rows, self.session.choose_service, name="tile")
        self.message.setText(message_text(view.message))

    def clear(self) -> None:
        super().clear()
        self.tiles.clear()

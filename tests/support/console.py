"""`kiosk diag` as a technician's shell runs it beside a kiosk started by a test."""

from __future__ import annotations

from kiosk.config import default_config_text


def console_config(env, tmp_path) -> str:
    """The kiosk's settings as a file, as a technician's shell would pass it."""
    text = default_config_text().replace('data_dir = "/var/lib/police-kiosk"', f'data_dir = "{env.config.data_dir}"')
    text = text.replace('url = "http://127.0.0.1:8700"', f'url = "{env.central.url}"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)

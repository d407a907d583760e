"""One site clock for what citizens and operators read; UTC in records."""

from datetime import datetime, timezone

import pytest

from kiosk.config import ConfigError, load_config
from kiosk.site_clock import SiteClock


def at(utc: str) -> SiteClock:
    moment = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    return SiteClock("Asia/Shanghai", now=lambda: moment)


def test_receipts_read_china_time_whatever_the_machine_zone():
    clock = at("2026-12-01T17:30:00")  # 01:30 the next day in Beijing
    assert clock.stamp() == "2026-12-02 01:30"
    assert clock.today_code() == "20261202"
    assert clock.stamp("2026-12-01T17:30:00+00:00") == "2026-12-02 01:30"


@pytest.mark.parametrize("utc, windows, open_", [
    ("2026-12-02T01:00:00", ["08:30-17:30"], True),  # 09:00 local
    ("2026-12-02T10:00:00", ["08:30-17:30"], False),  # 18:00 local
    ("2026-12-02T15:00:00", ["22:00-06:00"], True),  # 23:00 local: across midnight
    ("2026-12-02T23:00:00", ["22:00-06:00"], False),  # 07:00 local
    ("2026-12-02T04:30:00", ["08:30-12:00", "13:30-17:30"], False),  # 12:30 local: lunch
    ("2026-12-02T04:30:00", [], True),  # round the clock
])
def test_opening_hours(utc, windows, open_):
    assert at(utc).within(windows) is open_


def test_bad_hours_and_zones_are_refused_plainly():
    with pytest.raises(ConfigError, match="opening hours must look like 08:30-17:30"):
        load_config(overrides={"services": [{"id": "no_criminal_record", "title": {"zh": "x"}, "hours": ["9-5pm"]}]})
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        load_config(overrides={"kiosk.timezone": "Mars/Olympus"})

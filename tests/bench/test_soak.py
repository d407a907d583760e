"""A short soak (bench/soak.py): a few hundred visits on the real app offscreen with every
emulator, the faults of the long run injected on the way, then the process and central audited.

What would fail it: a leaked fd or thread per visit or per fault (a serial port reopened after the
replug and never closed, a worker started per visit), memory that keeps climbing, a visit central
lost in the outage or took twice.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
VISITS = 200
# RSS after the warm-up tenth, settled (medians of the first and last quarters of the samples):
# glibc's per-thread arenas, Qt's pixmap cache and SQLite's page caches fill during the first
# visits of each kind and after each fault's first occurrence (the replugged reader, the
# outbox's backlog after the outage), so a short run still shows some climb that the long run
# levels off (docs/performance.md). 30 MB is a quarter of what one leaked screen image per
# visit (1080×1920×4 bytes, 8 MB) would add over 200 visits, and far below a per-visit leak.
RSS_BOUND_MB = 30


def load_soak():
    spec = importlib.util.spec_from_file_location("soak", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak"] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.no_qt_log  # pytest-qt would keep every Qt message of 200 visits in memory
@pytest.mark.timeout(900)  # ~2-3 minutes on a loaded 2-core machine
def test_short_soak_has_no_growth_and_loses_no_visit(qapp, tmp_path):
    soak = load_soak()
    lines: list[str] = []
    result = soak.run_soak(VISITS, tmp_path / "env", every=10, central_down_s=5.0, log=lines.append)
    soak.write_csv(result, tmp_path / "soak.csv")
    report = "\n".join(lines)

    assert result.visits == VISITS, report
    assert len(result.faults) == 4, result.faults  # paper out, reader unplugged, central down, declines
    assert result.problems == [], result.problems  # zero lost, zero doubled, the citizen's view kept
    assert result.completed == result.at_central > VISITS // 2
    assert result.growth("fds") <= 0, (tmp_path / "soak.csv").read_text()
    assert result.growth("tasks") <= 0, (tmp_path / "soak.csv").read_text()
    assert result.growth("threads") <= 0, (tmp_path / "soak.csv").read_text()
    assert result.growth("retained_kb") <= RSS_BOUND_MB * 1024, (tmp_path / "soak.csv").read_text()


def test_growth_reads_settled_levels_not_transients():
    """A transient worker thread is not growth; one more fd held from some point on is."""
    soak = load_soak()

    def run(fds):
        result = soak.SoakResult(visits=len(fds) * 10)
        result.samples = [soak.Sample(i * 10, 0.0, 1000, n, 5, 5, {}) for i, n in enumerate(fds)]
        return result

    assert run([70, 70, 74, 70, 70, 71, 70, 70]).growth("fds") == 0
    assert run([70, 70, 70, 70, 71, 71, 71, 71]).growth("fds") == 1


def test_the_chart_and_the_section(tmp_path):
    soak = load_soak()
    result = soak.SoakResult(visits=40, attempts=42, seconds=60.0, completed=30, failed=10, at_central=30,
                             latencies=[0.5] * 40, faults=["before visit 8: printer paper out for 10 s"])
    result.samples = [soak.Sample(i * 10, i * 15.0, 500_000 + i * 100, 70, 20, 24, {"kiosk/outbox.db": 4096 * i}, 400_000 + i * 50)
                      for i in range(5)]
    soak.draw_png(result, tmp_path / "soak.png")
    assert (tmp_path / "soak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Before\n\ntext\n\n## After\n\nmore\n", encoding="utf-8")
    for _ in range(2):  # replaced in place, not appended twice
        soak.replace_section(doc, soak.markdown(result, "bench/soak.py --visits 40", "img/soak.png"))
        soak.replace_section(doc, soak.markdown(result, "bench/soak.py --visits 40", "img/soak.png"))
    text = doc.read_text(encoding="utf-8")
    assert text.count(soak.SECTION) == 1
    assert text.index("## Before") < text.index(soak.SECTION) < len(text)
    assert "## After\n\nmore" in text
    assert "**none lost, none doubled**" in text and "![RSS, fds and threads" in text

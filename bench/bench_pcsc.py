"""Chip document read time (BAC + EF.DG1 under secure messaging) through the real driver, pyscard,
a real pcscd and vpcd, against the virtual card over TCP on 127.0.0.1; next to the floor of the
same number of bare APDU round trips through pcscd.

    .venv/bin/python bench/bench_pcsc.py [--reads 50]

Starts its own pcscd (private where `unshare` may mount, else the machine's default one) and
stops what it started.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import quote


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=50)
    args = parser.parse_args()

    from drivers.pcsc import pcscd

    service = pcscd.start()
    os.environ.update(service.env)  # before pyscard's first context
    from smartcard import scard

    from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
    from drivers.pcsc.mrz import AccessKey
    from drivers.pcsc.reader import PcscReader
    from drivers.pcsc.virtual_card import VirtualCard
    from drivers.pcsc.vpcd_link import VpcdLink

    zone = demo_mrz(DEFAULT_DOCUMENT)
    card = VirtualCard(zone)
    try:
        with VpcdLink(card, port=service.port(0)):
            reader = PcscReader(service.reader(0), access_key=AccessKey.from_mrz(zone), timeout=10)
            deadline = time.monotonic() + 20
            while reader.status().state.value != "online":
                if time.monotonic() > deadline:
                    sys.exit("the virtual card never showed up in pcscd")
                time.sleep(0.05)
            reader.read_document()  # warm-up
            before = card.counters["commands"]
            reads = []
            for _ in range(args.reads):
                started = time.perf_counter()
                reader.read_document()
                reads.append((time.perf_counter() - started) * 1000)
            apdus = (card.counters["commands"] - before) / args.reads

            # the floor: one bare APDU round trip (SELECT eMRTD) through pcscd, vpcd and the card
            _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            _, handle, protocol = scard.SCardConnect(context, service.reader(0), scard.SCARD_SHARE_SHARED,
                                                     scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            select = list(bytes.fromhex("00A4040C07A0000002471001"))
            trips = []
            for _ in range(args.reads * 5):
                started = time.perf_counter()
                hresult, answer = scard.SCardTransmit(handle, protocol, select)
                trips.append((time.perf_counter() - started) * 1000)
                if hresult != scard.SCARD_S_SUCCESS or answer != [0x90, 0x00]:
                    sys.exit(f"bare SELECT failed: {scard.SCardGetErrorMessage(hresult)} {answer}")
            scard.SCardDisconnect(handle, scard.SCARD_RESET_CARD)
            scard.SCardReleaseContext(context)
    finally:
        service.stop()

    trip = statistics.median(trips)
    floor = apdus * trip
    median = statistics.median(reads)
    where = "private pcscd" if service.private else "default pcscd"
    print(f"`{' '.join([os.path.relpath(sys.executable), *sys.argv])}` ({where}, reader {quote(service.reader(0))})\n")
    print("| operation | n | APDUs | median | p95 | floor (APDUs × bare round trip) | median over floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| bare APDU round trip through pcscd | {len(trips)} | 1 | {trip:.2f} ms | {percentile(trips, 0.95):.2f} ms "
          f"| | |")
    print(f"| chip document read (connect, SELECT, BAC, EF.DG1 under SM, reset) | {args.reads} | {apdus:.0f} "
          f"| {median:.1f} ms | {percentile(reads, 0.95):.1f} ms | {floor:.1f} ms | +{median - floor:.1f} ms |")


if __name__ == "__main__":
    main()

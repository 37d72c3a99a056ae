"""How fast ``qnegov.edxml.read`` is against a plain lxml parse of the same bytes.

The envelope reader is a hot path (every packet through the exchange goes through it). Cases:
a status packet (2 kB), the VPCP reference document packet with its 370 kB attachment, and a
packet with a 40-recipient header and no attachment. The baseline is ``lxml.etree.fromstring``
on the same bytes, in the same run; the table shows the median of repeated runs.

    python benchmarks/edxml_read.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from qnegov.edxml import Organization, build, read, validate

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "qcvn102"


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _wide_header() -> bytes:
    packet = read(CORPUS / "edoc_replacement.edxml")
    recipients = tuple(
        Organization(organ_id=f"000.00.{n:02d}.H47", organ_name=f"Đơn vị {n}") for n in range(40)
    )
    header = packet.header.model_copy(update={"to": recipients})  # type: ignore[union-attr]
    return build(packet.model_copy(update={"header": header, "attachments": (), "manifest": ()}))


def main() -> None:
    cases = {
        "status packet": (CORPUS / "status_finish_06.edxml").read_bytes(),
        "document + 370 kB attachment": (CORPUS / "edoc_new.edxml").read_bytes(),
        "document, 40 recipients, no attachment": _wide_header(),
    }
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    print(f"{'case':40} {'KB':>6} {'lxml ms':>8} {'read ms':>8} {'x':>5} {'validate ms':>12}")
    for name, data in cases.items():
        repeat = 30 if len(data) > 100_000 else 200
        base = _median_ms(lambda d=data: etree.fromstring(d, parser), repeat)
        ours = _median_ms(lambda d=data: read(d), repeat)
        full = _median_ms(lambda d=data: validate(d), max(repeat // 4, 10))
        print(
            f"{name:40} {len(data) / 1024:6.1f} {base:8.3f} {ours:8.3f} {ours / base:5.1f} "
            f"{full:12.3f}"
        )


if __name__ == "__main__":
    main()

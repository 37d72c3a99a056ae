"""The hub's SQLite store: agencies, gateway clients, messages and per-recipient deliveries.

Durability is the point: WAL journal with ``synchronous=FULL``, and a send is acknowledged only
after the transaction that stores the message *and* its deliveries has committed, so a message the
hub said yes to survives a SIGKILL (and a power cut) of the hub. ``(sender, message_id)`` is
unique: a retried send finds its first copy instead of creating a second one.

Every method is blocking; the ASGI app calls them in worker threads. Each thread has its own
connection; writers take one lock so they never wait on SQLite's busy handler.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike, fspath
from typing import Any, Final

__all__ = ["AgencyRecord", "Delivery", "Store", "Stored"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS agencies (
    code TEXT PRIMARY KEY,
    other_code TEXT,
    pcode TEXT,
    name TEXT NOT NULL DEFAULT '',
    mail TEXT,
    secret TEXT NOT NULL UNIQUE,
    provincial INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway_clients (
    key TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    doc_id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    message_type TEXT NOT NULL,
    edxml_document_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL DEFAULT '',
    status_code TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    created TEXT NOT NULL,
    UNIQUE (sender, message_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    doc_id TEXT NOT NULL REFERENCES messages(doc_id),
    recipient TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'initial',
    status_desc TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    receive_status TEXT NOT NULL DEFAULT '',
    receive_status_desc TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, recipient)
);
CREATE INDEX IF NOT EXISTS deliveries_by_recipient ON deliveries (recipient, status);
CREATE INDEX IF NOT EXISTS messages_by_document ON messages (edxml_document_id, sender);
"""

TRANSPORT_STATUSES: Final = ("initial", "processing", "done", "fail")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    """A registered agency; ``secret`` signs its VDXP calls and is its LGSP ``secretDonVi``."""

    code: str
    secret: str
    name: str = ""
    other_code: str | None = None
    pcode: str | None = None
    mail: str | None = None
    provincial: bool = False


@dataclass(frozen=True, slots=True)
class Stored:
    """The outcome of a send: the hub's document id, and whether this call created it."""

    doc_id: str
    created: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message as one recipient (or its sender) sees it."""

    doc_id: str
    sender: str
    recipient: str
    message_type: str
    status: str
    status_desc: str
    created: str
    updated: str
    subject: str
    code: str
    receive_status: str
    receive_status_desc: str


class Store:
    """Blocking, thread-safe access to the hub database at ``path``."""

    def __init__(self, path: str | PathLike[str]) -> None:
        self.path = fspath(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._write_lock:
            self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self._conn().execute(sql, params))

    # agencies and gateway clients -------------------------------------------------------

    def put_agency(self, agency: AgencyRecord) -> None:
        """Register ``agency`` or update it (same code)."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO agencies (code, other_code, pcode, name, mail, secret, provincial,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET"
                " other_code=excluded.other_code, pcode=excluded.pcode, name=excluded.name,"
                " mail=excluded.mail, secret=excluded.secret, provincial=excluded.provincial",
                (
                    agency.code,
                    agency.other_code,
                    agency.pcode,
                    agency.name,
                    agency.mail,
                    agency.secret,
                    int(agency.provincial),
                    _now(),
                ),
            )

    def delete_agency(self, code: str) -> bool:
        with self._write() as conn:
            return conn.execute("DELETE FROM agencies WHERE code = ?", (code,)).rowcount > 0

    @staticmethod
    def _agency(row: sqlite3.Row) -> AgencyRecord:
        return AgencyRecord(
            code=row["code"],
            secret=row["secret"],
            name=row["name"],
            other_code=row["other_code"],
            pcode=row["pcode"],
            mail=row["mail"],
            provincial=bool(row["provincial"]),
        )

    def agency(self, code: str) -> AgencyRecord | None:
        rows = self._read("SELECT * FROM agencies WHERE code = ?", (code,))
        return self._agency(rows[0]) if rows else None

    def agency_by_secret(self, secret: str) -> AgencyRecord | None:
        rows = self._read("SELECT * FROM agencies WHERE secret = ?", (secret,))
        return self._agency(rows[0]) if rows else None

    def agencies(self, *, provincial_only: bool = False) -> list[AgencyRecord]:
        sql = "SELECT * FROM agencies"
        if provincial_only:
            sql += " WHERE provincial = 1"
        return [self._agency(r) for r in self._read(sql + " ORDER BY code")]

    def put_gateway_client(self, key: str, secret: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO gateway_clients (key, secret) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET secret = excluded.secret",
                (key, secret),
            )

    def gateway_client_secret(self, key: str) -> str | None:
        rows = self._read("SELECT secret FROM gateway_clients WHERE key = ?", (key,))
        return str(rows[0]["secret"]) if rows else None

    # messages ---------------------------------------------------------------------------

    def accept(
        self,
        *,
        sender: str,
        message_id: str,
        message_type: str,
        recipients: Sequence[str],
        body: bytes,
        edxml_document_id: str = "",
        subject: str = "",
        code: str = "",
        status_code: str = "",
        status_desc: str = "",
    ) -> Stored:
        """Store a message and its deliveries in one committed transaction (idempotent)."""
        with self._write() as conn:
            known = conn.execute(
                "SELECT doc_id FROM messages WHERE sender = ? AND message_id = ?",
                (sender, message_id),
            ).fetchone()
            if known is not None:
                return Stored(str(known["doc_id"]), created=False)
            doc_id = str(uuid.uuid4())
            now = _now()
            conn.execute(
                "INSERT INTO messages (doc_id, sender, message_id, message_type,"
                " edxml_document_id, subject, code, status_code, size, sha256, body, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    sender,
                    message_id,
                    message_type,
                    edxml_document_id,
                    subject,
                    code,
                    status_code,
                    len(body),
                    hashlib.sha256(body).hexdigest(),
                    body,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO deliveries (doc_id, recipient, updated) VALUES (?, ?, ?)",
                [(doc_id, r, now) for r in recipients],
            )
            if message_type == "status" and edxml_document_id:
                # The status answers a document that one of its recipients sent: record it on
                # that document's delivery row, as the sent list shows it.
                conn.executemany(
                    "UPDATE deliveries SET receive_status = ?, receive_status_desc = ?,"
                    " updated = ? WHERE recipient = ? AND doc_id IN (SELECT doc_id FROM messages"
                    " WHERE edxml_document_id = ? AND message_type = 'edoc' AND sender = ?)",
                    [
                        (status_code, status_desc, now, sender, edxml_document_id, original)
                        for original in recipients
                    ],
                )
            return Stored(doc_id, created=True)

    _DELIVERY_SQL: Final = (
        "SELECT d.doc_id, m.sender, d.recipient, m.message_type, d.status, d.status_desc,"
        " m.created, d.updated, m.subject, m.code, d.receive_status, d.receive_status_desc"
        " FROM deliveries d JOIN messages m ON m.doc_id = d.doc_id"
    )

    @staticmethod
    def _delivery(row: sqlite3.Row) -> Delivery:
        return Delivery(*(row[i] for i in range(12)))

    def inbox(self, recipient: str, message_type: str | None = None) -> list[Delivery]:
        """Messages for ``recipient`` that it has not acknowledged as ``done``."""
        sql = self._DELIVERY_SQL + " WHERE d.recipient = ? AND d.status != 'done'"
        params: list[Any] = [recipient]
        if message_type:
            sql += " AND m.message_type = ?"
            params.append(message_type)
        return [self._delivery(r) for r in self._read(sql + " ORDER BY m.created", params)]

    def sent(self, sender: str, message_type: str | None, doc_id: str | None) -> list[Delivery]:
        sql = self._DELIVERY_SQL + " WHERE m.sender = ?"
        params: list[Any] = [sender]
        if message_type:
            sql += " AND m.message_type = ?"
            params.append(message_type)
        if doc_id:
            sql += " AND m.doc_id = ?"
            params.append(doc_id)
        return [self._delivery(r) for r in self._read(sql + " ORDER BY m.created", params)]

    def body_for(self, doc_id: str, recipient: str) -> bytes | None:
        """The packet, if ``recipient`` is one of its recipients (or its sender)."""
        rows = self._read(
            "SELECT m.body FROM messages m WHERE m.doc_id = ? AND (m.sender = ? OR EXISTS"
            " (SELECT 1 FROM deliveries d WHERE d.doc_id = m.doc_id AND d.recipient = ?))",
            (doc_id, recipient, recipient),
        )
        return bytes(rows[0]["body"]) if rows else None

    def set_status(self, doc_id: str, recipient: str, status: str, desc: str = "") -> bool:
        """Record the recipient's transport acknowledgement; ``False`` if no such delivery."""
        if status not in TRANSPORT_STATUSES:
            raise ValueError(status)
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE deliveries SET status = ?, status_desc = ?, updated = ?"
                " WHERE doc_id = ? AND recipient = ?",
                (status, desc, _now(), doc_id, recipient),
            )
            return cur.rowcount > 0

    def counts(self) -> dict[str, int]:
        row = self._read(
            "SELECT (SELECT count(*) FROM messages) AS messages,"
            " (SELECT count(*) FROM deliveries) AS deliveries,"
            " (SELECT count(*) FROM agencies) AS agencies"
        )[0]
        return {k: int(row[k]) for k in ("messages", "deliveries", "agencies")}

    def message_ids(self, sender: str) -> list[tuple[str, str]]:
        """``(message_id, doc_id)`` of everything ``sender`` sent (for audits and tests)."""
        rows = self._read(
            "SELECT message_id, doc_id FROM messages WHERE sender = ? ORDER BY created", (sender,)
        )
        return [(str(r["message_id"]), str(r["doc_id"])) for r in rows]

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

"""The hub's SQLite store: agencies, gateway clients, messages and per-recipient deliveries.

Durability is the point: WAL journal with ``synchronous=FULL``, and a send is acknowledged only
after the transaction that stores the message *and* its deliveries has committed, so a message the
hub said yes to survives a SIGKILL (and a power cut) of the hub. ``(sender, message_id)`` is
unique: a retried send finds its first copy instead of creating a second one.

Bodies live in their own table, so listing and counting read only metadata rows and indexes
(the inbox is a partial index over undelivered rows); lists come in pages of at most
:data:`PAGE_MAX`. The file is created 0600: it holds every secret the hub knows.

Every method is blocking; the ASGI app calls them in worker threads. Each thread has its own
connection; writers take one lock so they never wait on SQLite's busy handler.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike, fspath
from pathlib import Path
from typing import Any, Final

from qnegov._i18n import tr
from qnegov.errors import InputError

__all__ = [
    "PAGE_MAX",
    "AgencyRecord",
    "Delivery",
    "ReusedMessageId",
    "Store",
    "Stored",
    "secure_database_file",
]

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
    created TEXT NOT NULL,
    UNIQUE (sender, message_id)
);
CREATE TABLE IF NOT EXISTS bodies (
    doc_id TEXT PRIMARY KEY REFERENCES messages(doc_id),
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES messages(doc_id),
    recipient TEXT NOT NULL,
    message_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'initial',
    status_desc TEXT NOT NULL DEFAULT '',
    updated TEXT NOT NULL,
    receive_status TEXT NOT NULL DEFAULT '',
    receive_status_desc TEXT NOT NULL DEFAULT '',
    UNIQUE (doc_id, recipient)
);
CREATE INDEX IF NOT EXISTS deliveries_inbox ON deliveries (recipient, message_type, seq)
    WHERE status != 'done';
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (recipient, status);
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (sender, message_type, created);
CREATE INDEX IF NOT EXISTS messages_by_document ON messages (edxml_document_id, sender);
PRAGMA user_version = 2;
"""

_MIGRATE_V1: Final = """
ALTER TABLE deliveries RENAME TO deliveries_v1;
ALTER TABLE messages RENAME TO messages_v1;
DROP INDEX IF EXISTS deliveries_by_recipient;
DROP INDEX IF EXISTS messages_by_document;
"""
_COPY_V1: Final = """
INSERT INTO messages SELECT doc_id, sender, message_id, message_type, edxml_document_id, subject,
    code, status_code, size, sha256, created FROM messages_v1;
INSERT INTO bodies SELECT doc_id, body FROM messages_v1;
INSERT INTO deliveries (doc_id, recipient, message_type, status, status_desc, updated,
    receive_status, receive_status_desc)
    SELECT d.doc_id, d.recipient, m.message_type, d.status, d.status_desc, d.updated,
    d.receive_status, d.receive_status_desc
    FROM deliveries_v1 d JOIN messages_v1 m ON m.doc_id = d.doc_id ORDER BY m.created;
DROP TABLE deliveries_v1;
DROP TABLE messages_v1;
"""

PAGE_MAX: Final = 1000
"""The most rows one list call answers; callers page with ``offset``."""

CHUNK: Final = 1 << 20

TRANSPORT_STATUSES: Final = ("initial", "processing", "done", "fail")


def _sha256(body: bytes | Path) -> str:
    digest = hashlib.sha256()
    if isinstance(body, bytes):
        digest.update(body)
    else:
        with body.open("rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


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


class ReusedMessageId(Exception):
    """A sender reused a ``message_id`` for other content (other bytes, type or recipients)."""

    def __init__(self, doc_id: str) -> None:
        self.doc_id = doc_id
        super().__init__(doc_id)


def secure_database_file(path: str, *, allow_readable: bool = False) -> None:
    """Create the database file owner-only (0600) or refuse one that others may read.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so they follow.
    The file holds agency HMAC secrets, LGSP client secrets and every message.
    """
    if path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        return
    except FileExistsError:
        pass
    for name in (path, path + "-wal", path + "-shm"):
        try:
            mode = Path(name).stat().st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077 and not allow_readable:
            raise InputError(
                tr(
                    "hub database is accessible to other users (mode {mode}): chmod 600 it,"
                    " or start with --allow-readable-db",
                    mode=oct(stat.S_IMODE(mode)),
                ),
                file=name,
            )


class Store:
    """Blocking, thread-safe access to the hub database at ``path``.

    ``allow_readable`` opens a database file that group or others may read (refused otherwise).
    """

    def __init__(self, path: str | PathLike[str], *, allow_readable: bool = False) -> None:
        self.path = fspath(path)
        secure_database_file(self.path, allow_readable=allow_readable)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        with self._write_lock:
            conn = self._conn()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            old = "messages" in tables and any(
                r[1] == "body" for r in conn.execute("PRAGMA table_info(messages)")
            )
            if old:
                conn.executescript(
                    "BEGIN IMMEDIATE;" + _MIGRATE_V1 + _SCHEMA + _COPY_V1 + "COMMIT;"
                )
            else:
                conn.executescript(_SCHEMA)

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
        body: bytes | Path,
        edxml_document_id: str = "",
        subject: str = "",
        code: str = "",
        status_code: str = "",
        status_desc: str = "",
        sha256: str | None = None,
    ) -> Stored:
        """Store a message and its deliveries in one committed transaction.

        Idempotent for the same content; the same ``message_id`` with other bytes, another
        message type or other recipients raises :class:`ReusedMessageId`. A :class:`Path`
        body (a spooled upload) is copied into the database in chunks, never read whole.
        """
        size = body.stat().st_size if isinstance(body, Path) else len(body)
        digest = sha256 or _sha256(body)
        with self._write() as conn:
            known = conn.execute(
                "SELECT doc_id, sha256, message_type FROM messages"
                " WHERE sender = ? AND message_id = ?",
                (sender, message_id),
            ).fetchone()
            if known is not None:
                doc_id = str(known["doc_id"])
                had = {
                    str(r[0])
                    for r in conn.execute(
                        "SELECT recipient FROM deliveries WHERE doc_id = ?", (doc_id,)
                    )
                }
                same = (
                    known["sha256"] == digest
                    and known["message_type"] == message_type
                    and had == set(recipients)
                )
                if not same:
                    raise ReusedMessageId(doc_id)
                return Stored(doc_id, created=False)
            doc_id = str(uuid.uuid4())
            now = _now()
            conn.execute(
                "INSERT INTO messages (doc_id, sender, message_id, message_type,"
                " edxml_document_id, subject, code, status_code, size, sha256, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    doc_id,
                    sender,
                    message_id,
                    message_type,
                    edxml_document_id,
                    subject,
                    code,
                    status_code,
                    size,
                    digest,
                    now,
                ),
            )
            self._put_body(conn, doc_id, body, size)
            conn.executemany(
                "INSERT INTO deliveries (doc_id, recipient, message_type, updated)"
                " VALUES (?, ?, ?, ?)",
                [(doc_id, r, message_type, now) for r in recipients],
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

    @staticmethod
    def _put_body(conn: sqlite3.Connection, doc_id: str, body: bytes | Path, size: int) -> None:
        if isinstance(body, bytes):
            conn.execute("INSERT INTO bodies (doc_id, body) VALUES (?, ?)", (doc_id, body))
            return
        cur = conn.execute(
            "INSERT INTO bodies (doc_id, body) VALUES (?, zeroblob(?))", (doc_id, size)
        )
        rowid = int(cur.lastrowid or 0)
        with body.open("rb") as src, conn.blobopen("bodies", "body", rowid) as blob:
            while chunk := src.read(CHUNK):
                blob.write(chunk)

    _DELIVERY_SQL: Final = (
        "SELECT d.doc_id, m.sender, d.recipient, d.message_type, d.status, d.status_desc,"
        " m.created, d.updated, m.subject, m.code, d.receive_status, d.receive_status_desc"
        " FROM deliveries d JOIN messages m ON m.doc_id = d.doc_id"
    )

    @staticmethod
    def _delivery(row: sqlite3.Row) -> Delivery:
        return Delivery(*(row[i] for i in range(12)))

    @staticmethod
    def _inbox_where(message_type: str | None) -> str:
        sql = " WHERE d.recipient = ? AND d.status != 'done'"
        return sql + (" AND d.message_type = ?" if message_type else "")

    def inbox(
        self,
        recipient: str,
        message_type: str | None = None,
        *,
        limit: int = PAGE_MAX,
        offset: int = 0,
    ) -> list[Delivery]:
        """Messages for ``recipient`` not acknowledged ``done``, oldest first, one page."""
        sql = self._DELIVERY_SQL + self._inbox_where(message_type)
        params: list[Any] = [recipient] + ([message_type] if message_type else [])
        sql += " ORDER BY d.seq LIMIT ? OFFSET ?"
        rows = self._read(sql, [*params, min(limit, PAGE_MAX), offset])
        return [self._delivery(r) for r in rows]

    def inbox_count(self, recipient: str, message_type: str | None = None) -> int:
        """How many messages :meth:`inbox` would list over all pages (counted in SQL)."""
        where = self._inbox_where(message_type)  # fixed text; values are bound parameters
        sql = "SELECT count(*) FROM deliveries d" + where  # noqa: S608
        params: list[Any] = [recipient] + ([message_type] if message_type else [])
        return int(self._read(sql, params)[0][0])

    def sent(
        self,
        sender: str,
        message_type: str | None,
        doc_id: str | None,
        *,
        limit: int = PAGE_MAX,
        offset: int = 0,
    ) -> list[Delivery]:
        sql = self._DELIVERY_SQL + " WHERE m.sender = ?"
        params: list[Any] = [sender]
        if message_type:
            sql += " AND m.message_type = ?"
            params.append(message_type)
        if doc_id:
            sql += " AND m.doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY m.created, d.seq LIMIT ? OFFSET ?"
        rows = self._read(sql, [*params, min(limit, PAGE_MAX), offset])
        return [self._delivery(r) for r in rows]

    def body_for(self, doc_id: str, recipient: str) -> bytes | None:
        """The packet, if ``recipient`` is one of its recipients (or its sender)."""
        rows = self._read(
            "SELECT b.body FROM messages m JOIN bodies b ON b.doc_id = m.doc_id"
            " WHERE m.doc_id = ? AND (m.sender = ? OR EXISTS"
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

"""A reference exchange hub speaking the VDXP and LGSP APIs, persisted in SQLite (extra ``hub``).

Integrators run it on loopback to test their apps against a real server
(``qnegov hub serve --db hub.sqlite``); qnegov's own client tests do the same.
"""

from qnegov.exchange.hub._app import ERROR_CODES, HubConfig, PacketCheck, create_app
from qnegov.exchange.hub._embedded import EmbeddedHub
from qnegov.exchange.hub._serve import load_agencies, serve
from qnegov.exchange.hub._store import AgencyRecord, Store

__all__ = [
    "ERROR_CODES",
    "AgencyRecord",
    "EmbeddedHub",
    "HubConfig",
    "PacketCheck",
    "Store",
    "create_app",
    "load_agencies",
    "serve",
]

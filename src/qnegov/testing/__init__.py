"""Hypothesis strategies for qnegov's public types, for your own property-based tests.

Needs the ``testing`` extra (``pip install "qnegov[testing]"``). Each area keeps its strategies
in its own module here and re-exports them below.
"""

from __future__ import annotations

from qnegov.testing.bulk import addresses, citizen_records, household_records, vietnamese_names
from qnegov.testing.codes import (
    administrative_units,
    agency_codes,
    citizen_ids,
    confidentialities,
    document_codes,
    document_ids,
    document_types,
    near_miss_agency_codes,
    near_miss_citizen_ids,
    near_miss_document_codes,
    near_miss_phone_numbers,
    near_miss_tax_codes,
    phone_numbers,
    priorities,
    signer_authorities,
    tax_codes,
)
from qnegov.testing.edxml import (
    attachments,
    document_packets,
    message_headers,
    organizations,
    packets,
    status_packets,
)
from qnegov.testing.exchange import (
    agencies,
    inbox_items,
    operation_headers,
    platform_answers,
    sent_receipts,
)
from qnegov.testing.signing import xml_documents, xml_text

__all__ = [
    "addresses",
    "administrative_units",
    "agencies",
    "agency_codes",
    "attachments",
    "citizen_ids",
    "citizen_records",
    "confidentialities",
    "document_codes",
    "document_ids",
    "document_packets",
    "document_types",
    "household_records",
    "inbox_items",
    "message_headers",
    "near_miss_agency_codes",
    "near_miss_citizen_ids",
    "near_miss_document_codes",
    "near_miss_phone_numbers",
    "near_miss_tax_codes",
    "operation_headers",
    "organizations",
    "packets",
    "phone_numbers",
    "platform_answers",
    "priorities",
    "sent_receipts",
    "signer_authorities",
    "status_packets",
    "tax_codes",
    "vietnamese_names",
    "xml_documents",
    "xml_text",
]

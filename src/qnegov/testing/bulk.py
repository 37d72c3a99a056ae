"""Hypothesis strategies for the bulk registers' typed records."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from qnegov.bulk._records import Address, CitizenRecord, HouseholdMember, HouseholdRecord, Relative
from qnegov.testing.codes import citizen_ids, phone_numbers

__all__ = ["addresses", "citizen_records", "household_records", "vietnamese_names"]

_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
    "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)


def vietnamese_names() -> st.SearchStrategy[str]:
    """Names of one to four words with Vietnamese letters (NFC), no stray spaces."""
    word = st.text(alphabet=_LETTERS, min_size=1, max_size=8)
    return st.lists(word, min_size=1, max_size=4).map(" ".join)


def addresses() -> st.SearchStrategy[Address]:
    """Addresses whose codes have the schema's shapes (not necessarily catalogue entries)."""
    return st.builds(
        Address,
        province_code=st.from_regex(r"\A[0-9]{2}\Z"),
        commune_code=st.from_regex(r"\A[0-9]{5}\Z"),
        detail=vietnamese_names(),
    )


_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31))


def citizen_records() -> st.SearchStrategy[CitizenRecord]:
    """Schema-valid citizen records (the built-in cross-field rules are not enforced)."""
    relative = st.builds(
        Relative, full_name=vietnamese_names(), citizen_id=st.none() | citizen_ids()
    )
    mobile = phone_numbers().filter(lambda p: p.national.startswith("0"))
    return st.builds(
        CitizenRecord,
        citizen_id=citizen_ids(),
        full_name=vietnamese_names(),
        birth_date=_dates,
        sex=st.sampled_from(["M", "F"]),
        ethnic_group=st.from_regex(r"\A[0-9]{2}\Z"),
        nationality=st.sampled_from(["VN", "LA", "KH", "CN"]),
        birth_province=st.from_regex(r"\A[0-9]{2}\Z"),
        permanent_address=addresses(),
        phone=st.none() | mobile,
        household_id=st.none() | st.from_regex(r"\A[0-9]{12}\Z"),
        registered_on=_dates,
        father=st.none() | relative,
        mother=st.none() | relative,
    )


def household_records() -> st.SearchStrategy[HouseholdRecord]:
    """Schema-valid household records."""
    member = st.builds(
        HouseholdMember,
        citizen_id=citizen_ids(),
        full_name=vietnamese_names(),
        relation=st.sampled_from(["head", "spouse", "child", "parent", "sibling", "other"]),
    )
    return st.builds(
        HouseholdRecord,
        household_id=st.from_regex(r"\A[0-9]{12}\Z"),
        head_id=citizen_ids(),
        address=addresses(),
        registered_on=_dates,
        members=st.lists(member, min_size=1, max_size=4).map(tuple),
    )

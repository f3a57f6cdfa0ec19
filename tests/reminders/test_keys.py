"""Notice keys: the scan's keys and every key stored in a live database read back as the
same key, so notices keep matching after an upgrade. No database."""

import datetime

import pytest

from payments.reminders.keys import NoticeKey

D = datetime.date


@pytest.mark.parametrize(
    ("made", "stored"),
    [
        (NoticeKey.due_soon(12, D(2024, 3, 31), 15), "due_soon:12:2024-03-31:15"),
        (NoticeKey.late(12, D(2024, 3, 31), 2), "late:12:2024-03-31:L2"),
        (NoticeKey.documents_late(12, D(2024, 3, 17)), "documents_late:12:2024-03-17"),
        (NoticeKey.approved_unpaid(12, D(2024, 5, 1)), "approved_unpaid:12:2024-05-01"),
        (NoticeKey.behind_target(3, D(2024, 9, 30)), "behind_target:3:2024-09"),
        (NoticeKey.projection_low(3, D(2024, 10, 20)), "projection_low:3:2024-10"),
    ],
)
def test_each_rules_key_is_stored_as_before_and_reads_back(made, stored):
    assert str(made) == stored
    assert NoticeKey.parse(stored) == made
    assert hash(NoticeKey.parse(stored)) == hash(made)


@pytest.mark.parametrize(
    ("stored", "parsed"),
    [
        # Due-soon and late keys before migration 0007 carried no due date.
        ("late:12:L3", NoticeKey("late", 12, "", "L3")),
        ("due_soon:12:7", NoticeKey("due_soon", 12, "", "7")),
    ],
)
def test_keys_stored_before_the_due_date_joined_them_still_parse(stored, parsed):
    assert NoticeKey.parse(stored) == parsed
    assert str(parsed) == stored


@pytest.mark.parametrize(
    "text", ["", "late", "late:", "late:x:2024-03-31:L1", "behind_target:3:2024:09:x"]
)
def test_text_that_is_no_key_is_refused(text):
    with pytest.raises(ValueError, match="not a notice key"):
        NoticeKey.parse(text)


@pytest.mark.parametrize(
    ("stored", "family", "level"),
    [
        ("late:12:2024-03-31:L2", ("late", 12, "2024-03-31"), 2),
        ("due_soon:12:2024-03-31:7", ("due_soon", 12, "2024-03-31"), None),
        ("documents_late:12:2024-03-17", ("documents_late", 12), None),
        ("behind_target:3:2024-09", ("behind_target", 3), None),
    ],
)
def test_a_family_is_the_key_without_its_last_part(stored, family, level):
    key = NoticeKey.parse(stored)
    assert key.family == family
    assert key.level == level

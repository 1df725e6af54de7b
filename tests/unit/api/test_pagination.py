import uuid
from datetime import datetime, timezone

import pytest

from companion.api.errors import ApiError
from companion.api.pagination import decode_cursor, encode_cursor, next_cursor


def test_cursors_round_trip():
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
    row = str(uuid.uuid4())
    assert decode_cursor(encode_cursor(when, row), uuid_id=True) == (when, row)
    assert decode_cursor(encode_cursor(when, "user-1")) == (when, "user-1")
    assert decode_cursor(None) is None


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", "W10", "WyJ4IiwieSJd",
                                 encode_cursor(datetime(2026, 1, 1, tzinfo=timezone.utc), "not-a-uuid")])
def test_foreign_cursors_are_invalid_cursor_errors(bad):
    with pytest.raises(ApiError) as error:
        decode_cursor(bad, uuid_id=True)
    assert error.value.code == "invalid_cursor" and error.value.status == 422


def test_a_next_cursor_only_when_the_page_is_full():
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = [(when, "a"), (when, "b")]
    assert next_cursor(rows, 3, lambda r: r) is None
    assert decode_cursor(next_cursor(rows, 2, lambda r: r)) == (when, "b")

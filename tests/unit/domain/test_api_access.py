from datetime import datetime, timezone

import pytest

from companion.domain.api_access import (
    ApiKey, Principal, hash_key, key_matches, new_key, parse_key_id, request_fingerprint,
)


def test_new_keys_parse_back_to_their_id_and_are_unique():
    keys = [new_key() for _ in range(50)]
    assert len({k for _, k in keys}) == 50
    for key_id, key in keys:
        assert key.startswith("cmp_") and parse_key_id(key) == key_id and len(key) == 4 + 12 + 1 + 43


@pytest.mark.parametrize("bad", ["", "cmp_", "cmp_123_abc", "Bearer cmp_0123456789ab_" + "a" * 43,
                                 "cmp_0123456789AB_" + "a" * 43, "cmp_0123456789ab_" + "a" * 42,
                                 "cmp_0123456789ab_" + "a" * 43 + "\n"])
def test_malformed_keys_have_no_id(bad):
    assert parse_key_id(bad) is None


def test_key_matches_only_its_own_hash():
    _, key = new_key()
    assert key_matches(key, hash_key(key))
    assert not key_matches(key + "x", hash_key(key))
    assert not key_matches(key, None)  # unknown key id: compared against a dummy, never true


def test_client_keys_need_users_and_roles_are_closed():
    now = datetime.now(timezone.utc)
    with pytest.raises(ValueError):
        ApiKey("0123456789ab", "h" * 64, "client", (), "", now)
    with pytest.raises(ValueError):
        ApiKey("0123456789ab", "h" * 64, "root", ("u",), "", now)


def test_principals_act_for_their_users_admins_for_all():
    client = Principal("k", "client", frozenset({"a"}))
    admin = Principal("k", "admin", frozenset())
    assert client.may_act_for("a") and not client.may_act_for("b") and not client.is_admin
    assert admin.may_act_for("anyone") and admin.is_admin


def test_fingerprints_ignore_key_order_but_not_content():
    assert request_fingerprint({"a": 1, "b": "x"}) == request_fingerprint({"b": "x", "a": 1})
    assert request_fingerprint({"a": 1}) != request_fingerprint({"a": 2})

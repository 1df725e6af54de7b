"""`make run`'s `:` controls: local-runtime commands that never reach the companion."""
from companion.local.cli import Speaker, user_id_for


def test_as_name_switches_to_a_stable_discord_shaped_id_and_back():
    speaker = Speaker("100000000000000001", "me")
    speaker.control(":as Alice")
    alice = speaker.user_id
    assert speaker.username == "Alice" and alice.isdigit() and len(alice) == 18
    assert user_id_for("alice") == alice  # stable across runs and case
    speaker.control(":as Bob")
    assert speaker.user_id != alice
    speaker.control(":as")
    assert (speaker.user_id, speaker.username) == ("100000000000000001", "me")


def test_unknown_control_is_reported_not_sent():
    speaker = Speaker("1", "me")
    assert "unknown control" in speaker.control(":dance")
    assert speaker.user_id == "1"

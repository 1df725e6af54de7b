from companion.local.cli import parse_line, save_attachment


def test_lines_become_commands_with_options():
    assert parse_line("hello there") == ("companion", {"message": "hello there"})
    assert parse_line("/memories my dog") == ("memories", {"query": "my dog"})
    assert parse_line("/forget 3fa2b1c9") == ("forget", {"query": "3fa2b1c9"})
    assert parse_line("/forget query:old address") == ("forget", {"query": "old address"})
    assert parse_line("/forget-me confirm:yes") == ("forget-me", {"confirm": "yes"})
    assert parse_line("/forget-me") == ("forget-me", {})
    assert parse_line("/export") == ("export", {})


def test_attachments_are_saved_under_the_data_dir_without_path_tricks(tmp_path):
    path = save_attachment(tmp_path, "../../etc/evil.json", b"{}")
    assert path.parent == (tmp_path / "exports").resolve() and path.read_bytes() == b"{}"

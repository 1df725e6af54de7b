"""`make api-key`: create, list, revoke against a deployment's database (DATABASE_URL)."""
from companion.local.api_keys import main


def test_create_list_revoke(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["create", "--user", "111", "--user", "222", "--label", "web page"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("cmp_")
    assert main(["create", "--admin"]) == 0
    capsys.readouterr()

    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    key_id = key.split("_")[1]
    assert f"{key_id}  active" in listed and "users 111,222" in listed and "web page" in listed
    assert key not in listed and key.split("_", 2)[2] not in listed  # never the secret

    assert main(["revoke", key_id]) == 0
    assert main(["revoke", key_id]) == 1  # already revoked
    main(["list"])
    assert f"{key_id}  revoked" in capsys.readouterr().out

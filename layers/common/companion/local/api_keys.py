"""`make api-key`: create, list and revoke REST API keys.

    make api-key ARGS="create --user 100000000000000001 --label 'my web page'"
    make api-key ARGS="create --admin --label ops"
    make api-key ARGS="list"
    make api-key ARGS="revoke 3f9c0a1b2c3d"      # or the key itself: ARGS="revoke cmp_3f9c0a1b2c3d_…"

The key is printed once, on stdout; only its hash is stored. With DATABASE_URL (or the AWS
variables config.py reads) set, keys go to that deployment's database; otherwise to the
embedded database `make run` and `make api` use (COMPANION_DATA_DIR, default .local/).
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings

from ..domain.api_access import parse_key_id
from .operator import operator_container


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make api-key ARGS=...", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("COMPANION_DATA_DIR", ".local"))
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key (printed once)")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", action="append", dest="users", metavar="USER_ID",
                     help="a user id the key may act for (repeat for several)")
    who.add_argument("--admin", action="store_true", help="an admin key: any user, and the admin routes")
    create.add_argument("--label", default="", help="what the key is for (shown by list)")
    commands.add_parser("list", help="list keys (never the keys themselves)")
    revoke = commands.add_parser("revoke", help="revoke a key: its id (the part after cmp_, as list shows it) or the key")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    container = operator_container(args.data_dir)
    keys = container.api_keys
    try:
        if args.command == "create":
            record, key = keys.create("admin" if args.admin else "client", args.users or (), args.label)
            scope = "any user (admin)" if args.admin else ", ".join(record.user_ids)
            print(f"created key {record.key_id} for {scope}; it is shown only now:", file=sys.stderr)
            print(key)
        elif args.command == "list":
            for k in keys.list():
                state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
                scope = "admin" if k.role == "admin" else "users " + ",".join(k.user_ids)
                print(f"{k.key_id}  {state:<24} {scope:<40} {k.label}")
        elif args.command == "revoke":
            args.key_id = parse_key_id(args.key_id) or args.key_id  # the whole key names its id too
            if not keys.revoke(args.key_id):
                print(f"no active key {args.key_id}", file=sys.stderr)
                return 1
            print(f"revoked {args.key_id}", file=sys.stderr)
    finally:
        container.database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

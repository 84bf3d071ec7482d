"""A long-lived app stand-in for the two-process test: one service stack (its own engine and pool) in its own OS
process, driven by JSON lines on stdin, answering JSON lines on stdout.

Commands: ``{"op": "register", "as": username, "mrn": ...}``, ``{"op": "caseload", "as": username, "search": ...}``,
``{"op": "record", "as": username, "patient_id": id, "answers": [...]}``, ``{"op": "history", ...}``,
``{"op": "update", "as": username, "patient_id": id, "version": v, "phone": ...}``, ``{"op": "quit"}``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.domain.errors import NovamindError

    services = build_services(get_settings(_env_file=None), bcrypt_rounds=4)
    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "quit":
            break
        user = services.users.get_by_username(cmd["as"])
        try:
            if cmd["op"] == "register":
                p = services.patients.register(user, mrn=cmd["mrn"], given_name="Twoproc", family_name="Patient",
                                               date_of_birth="1985-05-05", sex_at_birth="female")
                out = {"patient_id": p.id, "version": p.version}
            elif cmd["op"] == "caseload":
                page = services.patients.caseload(user, search=cmd.get("search"))
                out = {"mrns": [r.mrn for r in page.rows], "phq9": [r.phq9_latest for r in page.rows]}
            elif cmd["op"] == "record":
                services.assessments.record(user, cmd["patient_id"], "PHQ-9", cmd["answers"])
                out = {"ok": True}
            elif cmd["op"] == "history":
                out = {"totals": [a.total for a in services.assessments.history(user, cmd["patient_id"])]}
            elif cmd["op"] == "update":
                p = services.patients.update(user, cmd["patient_id"], cmd["version"], phone=cmd["phone"])
                out = {"version": p.version, "phone": p.contact.phone}
            else:
                out = {"error": f"unknown op {cmd['op']}"}
        except NovamindError as exc:
            out = {"error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(out), flush=True)
    services.close()


if __name__ == "__main__":
    main()

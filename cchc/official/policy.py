"""The official reports' actions, declared into the one access policy.

An agency's report belongs to its agency: its officer and head read it, write its
narrative and ask for its files; the head approves it; the province-wide roles read every
report. The province's report (no agency) is the coordinator's: they create it,
consolidate the agencies' reports into it, write, approve and send it; the leader and the
administrator read it. `when` rules carry the workflow: a report is written only while it
is a draft, sent only once approved, received only once sent.
"""

from __future__ import annotations

from typing import Any

from cchc.accounts.models import Role
from cchc.accounts.policy import (
    AGENCY_STAFF,
    EVERYONE,
    PROVINCE_WIDE,
    Actor,
    Rule,
    attr_in,
    declare,
    flag,
    role_of,
)

COORDINATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


def _agency_id(report: Any) -> int | None:
    if isinstance(report, dict):  # "may create for": {"agency": id or None}
        return report.get("agency")
    return report.agency_id


def _works_for_report(user: Actor, report: Any) -> bool:
    agency_id = _agency_id(report)
    role = role_of(user)
    if agency_id is None:
        return role in COORDINATORS
    return role in AGENCY_STAFF and getattr(user, "agency_id", None) == agency_id


def _reads_report(user: Actor, report: Any) -> bool:
    return role_of(user) in PROVINCE_WIDE or _works_for_report(user, report)


def _approves(user: Actor, report: Any) -> bool:
    if _agency_id(report) is None:
        return role_of(user) in COORDINATORS | {Role.LEADER}
    return role_of(user) == Role.HEAD and _works_for_report(user, report)


WRITES_REPORT = Rule(lambda u, o, c: _works_for_report(u, o), "writes_official_report")
READS_REPORT = Rule(lambda u, o, c: _reads_report(u, o), "reads_official_report")
APPROVES_REPORT = Rule(lambda u, o, c: _approves(u, o), "approves_official_report")
AN_AGENCY_REPORT = Rule(lambda u, o, c: _agency_id(o) is not None, "agency_report")

# fmt: off
declare("official.view",        roles=EVERYONE, rule=READS_REPORT,
        doc="Read an official report, its versions and its files.")
declare("official.create",      roles=AGENCY_STAFF | COORDINATORS, rule=WRITES_REPORT,
        doc="Draft the report of one's agency (the coordinator: the province's).")
declare("official.edit",        roles=AGENCY_STAFF | COORDINATORS, rule=WRITES_REPORT,
        when=flag("is_editable"),
        doc="Write the narrative and the document's details, while a draft.")
declare("official.generate",    roles=EVERYONE, rule=READS_REPORT,
        doc="Make the DOCX, XLSX or PDF of a report (a background job).")
declare("official.approve",     roles={Role.HEAD, Role.LEADER} | COORDINATORS,
        rule=APPROVES_REPORT, when=attr_in("state", {"draft"}),
        doc="The head approves the agency's draft (the province's: coordinator or leader).")
declare("official.reopen",      roles={Role.HEAD, Role.LEADER} | COORDINATORS,
        rule=APPROVES_REPORT, when=attr_in("state", {"approved"}),
        doc="Take an approved, unsent report back to draft.")
declare("official.submit",      roles=AGENCY_STAFF | COORDINATORS, rule=WRITES_REPORT,
        when=attr_in("state", {"approved"}),
        doc="Send the approved report upward.")
declare("official.receive",     roles=COORDINATORS, rule=AN_AGENCY_REPORT,
        when=attr_in("state", {"submitted"}),
        doc="The coordinator acknowledges an agency's sent report.")
declare("official.return",      roles=COORDINATORS, rule=AN_AGENCY_REPORT,
        when=attr_in("state", {"submitted", "received"}),
        doc="The coordinator returns a sent report to its agency as a draft.")
declare("official.consolidate", roles=COORDINATORS, rule=~AN_AGENCY_REPORT,
        when=flag("is_editable"),
        doc="Fold the agencies' sent reports into the province's draft.")
# fmt: on

"""The PAR INDEX actions, declared into the one access policy (cchc.accounts.policy).

Who reads a criteria set: the province-wide roles read every set; an agency's officer and
head read the sets of the groups their agency belongs to in the set's year (a department
reads the sở/ban/ngành set, not the communes'). The coordinator and the administrator
manage sets and campaigns.

The campaign windows are rules here, not checks scattered in services: `par.self_assess`,
`par.appraise` and `par.reply` are allowed only within their window (dates inclusive, the
province's today). The scoring pages of later sessions ask these actions; until then
`cchc.par.services.require_in_window` is the one place that turns a refusal into the
Vietnamese message a late user reads.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cchc.accounts.models import Role
from cchc.accounts.policy import (
    AGENCY_STAFF,
    EVERYONE,
    STAFF,
    Actor,
    Rule,
    declare,
    role_of,
    within,
)


def _group_and_year(obj: Any) -> tuple[int, int]:
    """The agency group and year a PAR object concerns: a set, a campaign, a criterion."""
    if hasattr(obj, "criteria_set") and not hasattr(obj, "group_id"):
        obj = obj.criteria_set  # a criterion
    return int(obj.group_id), int(obj.year)


def _member_of_group(user: Actor, obj: Any) -> bool:
    from cchc.agencies.models import GroupMembership

    agency_id = getattr(user, "agency_id", None)
    if agency_id is None or role_of(user) not in AGENCY_STAFF:
        return False
    group_id, year = _group_and_year(obj)
    cache: dict[tuple[int, int], bool] = user.__dict__.setdefault("_par_groups", {})
    key = (group_id, year)
    if key not in cache:
        # Member at some time of the year: the span [from, to) meets [1 Jan, 31 Dec].
        cache[key] = (
            GroupMembership.objects.filter(group_id=group_id, agency_id=agency_id)
            .exclude(valid_from__gt=date(year, 12, 31))
            .exclude(valid_to__lte=date(year, 1, 1))
            .exists()
        )
    return cache[key]


def _province_wide(user: Actor) -> bool:
    return role_of(user) in {Role.COORDINATOR, Role.LEADER, Role.APPRAISER, Role.ADMIN}


MEMBER_OF_GROUP = Rule(lambda u, o, c: _member_of_group(u, o), "member_of_campaign_group")
READS_PAR = Rule(lambda u, o, c: _province_wide(u) or _member_of_group(u, o), "reads_par_group")

# fmt: off
declare("par.view",            roles=EVERYONE, rule=READS_PAR,
        doc="Read criteria sets, their tree and campaigns (agency staff: their group's).")
declare("par.export",          roles=EVERYONE, rule=READS_PAR,
        doc="Download a criteria set as XLSX.")
declare("par.manage",          roles=STAFF,
        doc="Import, copy and edit criteria sets and classification bands.")
declare("par.campaign.manage", roles=STAFF,
        doc="Open a campaign for a set and set its windows.")
declare("par.self_assess",     roles=AGENCY_STAFF, rule=MEMBER_OF_GROUP,
        when=within(lambda c: (c.self_opens, c.self_closes)),
        doc="Score one's agency, within the campaign's self-assessment window.")
declare("par.appraise",        roles={Role.APPRAISER, Role.COORDINATOR},
        when=within(lambda c: (c.appraisal_opens, c.appraisal_closes)),
        doc="Appraise, within the campaign's appraisal window.")
declare("par.reply",           roles=AGENCY_STAFF, rule=MEMBER_OF_GROUP,
        when=within(lambda c: (c.reply_opens, c.reply_closes)),
        doc="Reply to appraisal comments (giải trình), within the reply window.")
# fmt: on


# -- scoring (docs/par.md): scorecards are an agency's own until the results are published;
# the province-wide roles read every scorecard. Windows are read from the campaign.


def _campaign_of(obj: Any) -> Any:
    return obj.campaign if hasattr(obj, "campaign") else obj.scorecard.campaign


def _window(phase: str) -> Rule:
    fields = {
        "self": ("self_opens", "self_closes"),
        "appraisal": ("appraisal_opens", "appraisal_closes"),
        "reply": ("reply_opens", "reply_closes"),
    }[phase]
    opens, closes = fields
    return within(lambda o: (getattr(_campaign_of(o), opens), getattr(_campaign_of(o), closes)))


def _appraises_area(user: Actor, item: Any) -> bool:
    """The coordinator appraises everything; an appraiser only the areas assigned."""
    from cchc.par.models import AppraiserAssignment

    if role_of(user) == Role.COORDINATOR:
        return True
    # An area's code is the first part of its nodes' codes (1 → 1.1 → 1.1.2).
    area_code = item.criterion.code.split(".")[0]
    cache: dict[int, set[str]] = user.__dict__.setdefault("_par_areas", {})
    campaign_id = item.scorecard.campaign_id
    if campaign_id not in cache:
        cache[campaign_id] = set(
            AppraiserAssignment.objects.filter(
                campaign_id=campaign_id, user_id=getattr(user, "pk", 0)
            ).values_list("area__code", flat=True)
        )
    return area_code in cache[campaign_id]


def _own_agency(user: Actor, obj: Any) -> bool:
    return getattr(user, "agency_id", None) == obj.agency_id


PROVINCE_OR_OWN_SCORECARD = Rule(
    lambda u, o, c: _province_wide(u) or (role_of(u) in AGENCY_STAFF and _own_agency(u, o)),
    "province_or_own_scorecard",
)
OWN_SCORECARD = Rule(lambda u, o, c: _own_agency(u, o), "own_scorecard")
NOT_LOCKED = Rule(
    lambda u, o, c: not o.scorecard.is_locked if hasattr(o, "scorecard") else not o.is_locked,
    "not_locked",
)
APPRAISES_AREA = Rule(lambda u, o, c: _appraises_area(u, o), "appraises_area")
PUBLISHED = Rule(lambda u, o, c: o.published_at is not None, "published")

# fmt: off
declare("par.scorecard.view",    roles=EVERYONE, rule=PROVINCE_OR_OWN_SCORECARD,
        doc="Read a scorecard: one's own agency's, or any for the province-wide roles.")
declare("par.scorecard.fill",    roles=AGENCY_STAFF, rule=OWN_SCORECARD & NOT_LOCKED,
        when=_window("self"),
        doc="Self-score an item of one's agency's scorecard, within the self-assessment window.")
declare("par.scorecard.submit",  roles={Role.HEAD}, rule=OWN_SCORECARD & NOT_LOCKED,
        when=_window("self"),
        doc="Submit or withdraw one's agency's scorecard (the head), within the window.")
declare("par.item.appraise",     roles={Role.APPRAISER, Role.COORDINATOR},
        rule=APPRAISES_AREA & NOT_LOCKED, when=_window("appraisal"),
        doc="Give an appraised score and comment, in one's assigned areas, in the window.")
declare("par.item.reply",        roles=AGENCY_STAFF, rule=OWN_SCORECARD & NOT_LOCKED,
        when=_window("reply"),
        doc="Reply to an appraisal comment (giải trình) within the reply window.")
declare("par.scorecard.finalise", roles={Role.COORDINATOR}, rule=NOT_LOCKED,
        when=_window("appraisal"),
        doc="Settle the final scores of a scorecard and lock it, within the appraisal window.")
declare("par.appraisers.manage", roles=STAFF,
        doc="Assign appraisers to the areas of a campaign.")
declare("par.publish",           roles=STAFF,
        doc="Compute and publish a campaign's results.")
declare("par.results.view",      roles=EVERYONE, rule=READS_PAR & PUBLISHED,
        doc="Read a campaign's published results and ranking.")
# fmt: on


# -- survey criteria, late members and an agency's own results (docs/par.md).

NOT_PUBLISHED = ~PUBLISHED

# fmt: off
declare("par.survey.enter",      roles=STAFF,
        when=within(lambda c: (c.self_opens, c.appraisal_closes)),
        doc="Enter or import the survey criteria's scores per agency, or take them from the "
            "citizens' satisfaction index; from the self-assessment to the end of appraisal.")
declare("par.scorecard.add",     roles=STAFF, rule=NOT_PUBLISHED,
        doc="Make the scorecards of agencies that joined the group after the campaign opened.")
declare("par.own.view",          roles=AGENCY_STAFF,
        doc="Read one's own agency's scorecards, published results and task-completion ratings.")
# fmt: on

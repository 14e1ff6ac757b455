"""The actions of task-completion ratings, inspection plans and the PAR INDEX downloads,
declared into the one access policy (cchc.accounts.policy).

* Ratings and inspection plans are the province's business: the province-wide roles read
  them (the leader too); the coordinator and the administrator compute and draw them.
* The ranking table of a campaign exists only once the campaign is published; then
  whoever reads the campaign (`par.view`: an agency's staff for their own group) may
  download it.
* A scorecard's DOCX/PDF goes to the agency's own people and the province-wide roles;
  before publication nobody else's scorecard is visible to an agency.
"""

from __future__ import annotations

from cchc.accounts.policy import EVERYONE, OWN_OR_PROVINCE, PROVINCE_WIDE, STAFF, Rule, declare
from cchc.par.policy import READS_PAR

PUBLISHED = Rule(lambda u, o, c: getattr(o, "published_at", None) is not None, "published")

# fmt: off
declare("par.rating.view",       roles=PROVINCE_WIDE,
        doc="Read the task-completion ratings (mức độ hoàn thành nhiệm vụ CCHC) and their inputs.")
declare("par.rating.manage",     roles=STAFF,
        doc="Set a year's rating weights and bands, and compute the ratings.")
declare("par.inspection.view",   roles=PROVINCE_WIDE,
        doc="Read inspection plans, the agencies chosen and the findings.")
declare("par.inspection.manage", roles=STAFF,
        doc="Draw an inspection plan with a seed; record findings (they become remediation tasks).")
declare("par.results.export",    roles=EVERYONE, rule=READS_PAR & PUBLISHED,
        doc="Download a published campaign's ranking table (XLSX, DOCX) and charts.")
declare("par.scorecard.export",  roles=EVERYONE, rule=OWN_OR_PROVINCE,
        doc="Download an agency's scorecard (DOCX, PDF): its own people and the province.")
# fmt: on

"""What the dashboards, the public page and the exports show.

Each builder loads a plan's progress once (`plan_progress`, three queries) plus a few
lookups of names, and does the rest in Python, so a page costs the same number of
queries for a plan of 20 tasks or 2,000. Every chart carries its numbers as a `Table`,
which the page prints under the chart and the CSV download writes as is.

- `common`: `Table`, `Chart`, `status_label`, names of things, counts, figures and the
  overdue rows several pages share;
- `selection`: `Selection` and `select_plan` (which plan and period);
- `trend`: `plan_trend`, the month-by-month replay;
- `province`: `province_dashboard`;  `agency`: `agency_dashboard`;
- `public`: `public_progress` and `public_page`;
- `status_table`: `StatusRow` and `status_table_rows` (the annex sent upward).

This package re-exports the names other modules import from it.
"""

from cchc.dashboards.queries.agency import AgencyDashboard, DueSoonRow, agency_dashboard
from cchc.dashboards.queries.common import (
    ActivityLabel,
    Chart,
    Count,
    OverdueRow,
    Table,
    status_label,
)
from cchc.dashboards.queries.province import (
    ProvinceDashboard,
    ProvinceSummary,
    province_dashboard,
    province_summary,
)
from cchc.dashboards.queries.public import (
    PUBLIC_STATES,
    PublicArea,
    PublicPage,
    PublicTask,
    public_page,
    public_progress,
)
from cchc.dashboards.queries.selection import Selection, select_plan
from cchc.dashboards.queries.status_table import MAX_DOCUMENTS, StatusRow, status_table_rows
from cchc.dashboards.queries.trend import TrendPoint, plan_trend

__all__ = [
    "MAX_DOCUMENTS",
    "PUBLIC_STATES",
    "ActivityLabel",
    "AgencyDashboard",
    "Chart",
    "Count",
    "DueSoonRow",
    "OverdueRow",
    "ProvinceDashboard",
    "ProvinceSummary",
    "PublicArea",
    "PublicPage",
    "PublicTask",
    "Selection",
    "StatusRow",
    "Table",
    "TrendPoint",
    "agency_dashboard",
    "plan_trend",
    "province_dashboard",
    "province_summary",
    "public_page",
    "public_progress",
    "select_plan",
    "status_label",
    "status_table_rows",
]

"""The bench's report history generated inside PostgreSQL: the national size in minutes.

Streaming rows from Python (`cchc.ops.bench_copy`) costs about 0.3 ms a row on a busy
2-core machine: the national size (3.1 million reports, about 15 million history rows)
took over an hour and a half, most of it in Python building dictionaries. Here each
province's reports, their history, documents and links are four `INSERT … SELECT`
statements that PostgreSQL runs itself: the random draws with `random()` (seeded by
`setseed`), the history with `generate_series`, the snapshots with `jsonb_build_object`
and the changes of each step as the difference to the previous snapshot (`lag`).

The rules are those of `cchc.ops.bench._reports`, `_path` and `_history` (the SQLite
path, and the reference): early periods mostly approved (some after a return), the last
one still in review; one to three saves with growing content, a submission, a review,
for some a return, one or two more saves and a second submission; every step dated as it
happened (`STEP_DAYS` after the period's end, at 9:00, never in the future).

`loading()` drops the secondary indexes, unique and foreign-key constraints of the four
tables while they are filled and builds them again afterwards, once, as a restore does
(`pg_restore` builds indexes after the data for the same reason). The bench's database is
its own (`cchc.ops.bench_db`): nobody else reads these tables meanwhile.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from psycopg.types.json import Jsonb

from cchc.documents.models import Document, DocumentLink
from cchc.lib.text import fold
from cchc.monitoring.models import Assignment, ProgressReport, ReportingPeriod, ReportVersion
from cchc.plans.models import Activity

TABLES: tuple[type[models.Model], ...] = (ProgressReport, ReportVersion, Document, DocumentLink)
NARRATIVE = "Đang triển khai theo kế hoạch của đơn vị."
SUMMARY = "Kế hoạch thực hiện"


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert(
    model: type[models.Model], given: dict[str, str], rest: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """`INSERT INTO <model> (<every column>) SELECT <exprs> <rest>`: the columns in
    `given` from their SQL expressions, the others from the field's default (as
    `bulk_create` would give it), `now()` for `auto_now(_add)` and the primary key from
    its identity when not given."""
    columns, exprs = [], []
    params = dict(params)
    for f in model._meta.concrete_fields:
        if f.column in given:
            expr = given[f.column]
        elif f.primary_key:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expr = "now()"
        else:
            key = f"default_{model._meta.db_table}_{f.column}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)
            expr = f"%({key})s"
        columns.append(_qn(f.column))
        exprs.append(expr)
    table = _qn(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {rest}"
    return sql, params


# Step `step` of a report of a period ending on `ends`: `days[step]` days after the end at
# 9:00 local time, and never later than `now` less (steps left) minutes, as `_step_time`.
STEP_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.bench_at(ends date, step int, days int[], tz text,
                                            now_ timestamptz, last_step int)
RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT least(
    ((ends + days[least(step, array_length(days, 1) - 1) + 1])::timestamp
      + interval '9 hours') AT TIME ZONE tz,
    now_ - make_interval(mins => last_step - step))
$$
"""

# The changes of a step: field → [before, after] for every field that differs.
DIFF_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.bench_diff(before jsonb, after jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(before -> key, value)), '{}')
  FROM jsonb_each(after) WHERE before -> key IS DISTINCT FROM value
$$
"""


def _draw(plan_id: int, periods: list[ReportingPeriod], first_id: int) -> int:
    """A temporary table `bench_draw`: one row per report of the plan (assignment ×
    period) with its id, final content, state and the shape of its path. Returns its
    row count."""
    statuses = ["in_progress"] * 5 + ["done"] * 3 + ["not_started", "not_done"]
    last = max(p.position for p in periods)
    assignment = _qn(Assignment._meta.db_table)
    activity = _qn(Activity._meta.db_table)
    period = _qn(ReportingPeriod._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.bench_draw")
        cursor.execute(
            f"""
            CREATE TEMP TABLE bench_draw AS
            WITH base AS (
              SELECT a.id AS assignment_id, a.agency_id, p.id AS period_id, p.ends_on,
                     p.position = %(last)s AS last,
                     random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                     random() AS r5, random() AS r6, random() AS r7
              FROM {assignment} a
              JOIN {activity} act ON act.id = a.activity_id
              JOIN {period} p ON p.plan_id = act.plan_id
              WHERE act.plan_id = %(plan)s
            ), drawn AS (
              SELECT *,
                (%(statuses)s::text[])[1 + floor(r1 * 10)::int] AS status,
                CASE WHEN last THEN (ARRAY['draft', 'submitted', 'submitted', 'returned',
                                           'approved'])[1 + floor(r4 * 5)::int]
                     WHEN r4 < 0.9 THEN 'approved' ELSE 'returned' END AS state,
                1 + floor(r5 * 3)::int AS s1
              FROM base
            ), shaped AS (
              SELECT *,
                CASE status WHEN 'done' THEN 100 WHEN 'not_started' THEN 0
                            WHEN 'not_done' THEN 0 ELSE 5 * (1 + floor(r2 * 19)::int)
                END AS percent,
                CASE WHEN status = 'done' THEN ends_on - floor(r3 * 41)::int END
                  AS completed_on,
                (state = 'approved' AND r6 < 0.3) AS ret,
                CASE WHEN state = 'approved' AND r6 < 0.3 THEN 1 + floor(r7 * 2)::int
                     ELSE 0 END AS s2
              FROM drawn
            )
            SELECT %(first)s + row_number() OVER (ORDER BY period_id, assignment_id) - 1
                     AS id,
                   assignment_id, agency_id, period_id, ends_on, status, percent,
                   completed_on, state, s1, s2, ret,
                   CASE state WHEN 'draft' THEN s1 WHEN 'submitted' THEN s1 + 1
                              WHEN 'returned' THEN s1 + 2
                              ELSE CASE WHEN ret THEN s1 + s2 + 4 ELSE s1 + 2 END
                   END AS n
            FROM shaped
            """,  # noqa: S608 (names from the models)
            {"plan": plan_id, "last": last, "statuses": statuses, "first": first_id},
        )
        cursor.execute("SELECT count(*) FROM bench_draw")
        return int(cursor.fetchone()[0])


def reports(
    plan_id: int,
    periods: list[ReportingPeriod],
    actors: dict[str, Any],
    *,
    now: datetime,
    step_days: tuple[int, ...],
    return_comment: str,
    seed: float,
) -> dict[str, int]:
    """A report per assignment and period of the plan, with its history, documents and
    links, generated in PostgreSQL. Returns the rows written per table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(STEP_FUNCTION)
        cursor.execute(DIFF_FUNCTION)
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {_qn(ProgressReport._meta.db_table)}")  # noqa: S608
        first_id = int(cursor.fetchone()[0])
    written: dict[str, int] = {}
    written["reports"] = _draw(plan_id, periods, first_id)
    common = {
        "days": list(step_days),
        "tz": settings.TIME_ZONE,
        "now": now,
        "last_step": len(step_days),
        "officer": actors["officer"].pk,
        "head": actors["head"].pk,
        "coordinator": actors["coordinator"].pk,
        "comment": return_comment,
        "narrative": NARRATIVE,
        "summary": SUMMARY,
    }
    at = "pg_temp.bench_at(d.ends_on, {step}, %(days)s, %(tz)s, %(now)s, %(last_step)s)"
    # The last submission is at step s1 except after a return (then s1 + s2 + 2); the
    # review is the path's last step.
    submitted = "CASE WHEN d.ret THEN d.s1 + d.s2 + 2 ELSE d.s1 END"
    sql, params = _insert(
        ProgressReport,
        {
            "id": "d.id",
            "assignment_id": "d.assignment_id",
            "period_id": "d.period_id",
            "status": "d.status",
            "percent": "d.percent",
            "reason": "CASE WHEN d.status = 'not_done' THEN 'Chưa có hướng dẫn' ELSE '' END",
            "narrative": "%(narrative)s",
            "completed_on": "d.completed_on",
            "state": "d.state",
            "review_comment": "CASE WHEN d.state = 'returned' THEN %(comment)s ELSE '' END",
            "submitted_at": f"CASE WHEN d.state <> 'draft' THEN {at.format(step=submitted)} END",
            "submitted_by_id": "CASE WHEN d.state <> 'draft' THEN %(head)s::bigint END",
            "reviewed_at": "CASE WHEN d.state IN ('approved', 'returned') "
            f"THEN {at.format(step='d.n - 1')} END",
            "reviewed_by_id": "CASE WHEN d.state IN ('approved', 'returned') "
            "THEN %(coordinator)s::bigint END",
            "updated_by_id": "%(officer)s",
            "version": "d.n + 1",
        },
        "FROM bench_draw d",
        common,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    written["versions"] = _versions(common, at)
    written["documents"] = _documents(common)
    return written


def _versions(common: dict[str, Any], at: str) -> int:
    """Every step of every report's path as a ReportVersion holding the report as it
    stood after the step (`bench._history`)."""
    # k: how many saves were made up to step g; S = s1 + s2 all of them. The action of
    # step g: s1 saves, a submission, a review; after a return (ret) s2 more saves, a
    # second submission and the approval.
    sql, params = _insert(
        ReportVersion,
        {
            "report_id": "v.id",
            "version": "v.g + 2",
            "action": "v.action",
            "actor_id": "CASE v.action WHEN 'saved' THEN %(officer)s::bigint "
            "WHEN 'submitted' THEN CASE WHEN v.after_return THEN %(officer)s::bigint "
            "ELSE %(head)s::bigint END ELSE %(coordinator)s::bigint END",
            "at": at.replace("d.ends_on", "v.ends_on").format(step="v.g"),
            "snapshot": "v.snapshot",
            "changes": "pg_temp.bench_diff(lag(v.snapshot, 1, %(empty)s::jsonb) "
            "OVER (PARTITION BY v.id ORDER BY v.g), v.snapshot)",
        },
        """
        FROM (
          SELECT s.*, jsonb_build_object(
              'status', CASE WHEN s.final THEN s.status
                             WHEN s.pct > 0 THEN 'in_progress' ELSE 'not_started' END,
              'percent', s.pct,
              'reason', CASE WHEN s.final AND s.status = 'not_done'
                             THEN 'Chưa có hướng dẫn' ELSE '' END,
              'narrative', %(narrative)s::text,
              'completed_on', CASE WHEN s.final THEN to_char(s.completed_on, 'YYYY-MM-DD') END,
              'state', CASE s.action WHEN 'saved' THEN
                         CASE WHEN s.after_return THEN 'returned' ELSE 'draft' END
                         ELSE s.action END,
              'review_comment', CASE WHEN s.after_return AND s.action <> 'approved'
                                     THEN %(comment)s::text ELSE '' END,
              'documents', CASE WHEN s.final AND s.completed_on IS NOT NULL
                  THEN jsonb_build_array(jsonb_build_object(
                    'number', s.id || '/KH-TT',
                    'issued_on', to_char(s.completed_on, 'YYYY-MM-DD'),
                    'summary', %(summary)s::text))
                  ELSE '[]'::jsonb END,
              'evidence', '[]'::jsonb) AS snapshot
          FROM (
            SELECT p.*, p.k = p.s1 + p.s2 AS final,
                   CASE WHEN p.k = p.s1 + p.s2 THEN p.percent
                        ELSE 5 * round(p.percent * p.k::numeric / (p.s1 + p.s2) / 5)::int
                   END AS pct
            FROM (
              SELECT d.*, g,
                CASE WHEN g < d.s1 THEN 'saved'
                     WHEN g = d.s1 THEN 'submitted'
                     WHEN g = d.s1 + 1 THEN CASE WHEN d.ret THEN 'returned' ELSE d.state END
                     WHEN g <= d.s1 + 1 + d.s2 THEN 'saved'
                     WHEN g = d.s1 + d.s2 + 2 THEN 'submitted'
                     ELSE 'approved' END AS action,
                CASE WHEN g < d.s1 THEN g + 1 WHEN g <= d.s1 + 1 THEN d.s1
                     WHEN g <= d.s1 + 1 + d.s2 THEN g - 1 ELSE d.s1 + d.s2 END AS k,
                (d.ret OR d.state = 'returned') AND g > d.s1 AS after_return
              FROM bench_draw d, generate_series(0, d.n - 1) AS g
            ) p
          ) s
        ) v
        ORDER BY v.id, v.g
        """,
        {**common, "empty": Jsonb(_empty_snapshot())},
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def _empty_snapshot() -> dict[str, Any]:
    from cchc.ops.bench import EMPTY_SNAPSHOT

    return dict(EMPTY_SNAPSHOT)


def _documents(common: dict[str, Any]) -> int:
    """An output document for each report that says "done", linked to it."""
    # fold() of "<id>/KH-TT Kế hoạch thực hiện" is the id and the folded rest.
    rest = fold(f"0/KH-TT {SUMMARY}")[1:]
    assert fold(f"12/KH-TT {SUMMARY}") == "12" + rest
    document, document_params = _insert(
        Document,
        {
            "agency_id": "d.agency_id",
            "number": "d.id || '/KH-TT'",
            "number_key": "d.id || '/KH-TT'",
            "issued_on": "d.completed_on",
            "summary": "%(summary)s",
            "search_text": "d.id || %(search_rest)s",
        },
        "FROM bench_draw d WHERE d.completed_on IS NOT NULL ORDER BY d.id "
        "RETURNING id, split_part(number, '/', 1)::bigint AS report_id",
        {},
    )
    link, params = _insert(
        DocumentLink,
        {
            "document_id": "made.id",
            "target_type_id": "%(report_type)s",
            "target_id": "made.report_id",
            "role": "%(role)s",
        },
        "FROM made",
        {
            **common,
            "search_rest": rest,
            "report_type": ContentType.objects.get_for_model(ProgressReport).pk,
            "role": DocumentLink.Role.OUTPUT,
        },
    )
    # One statement: the two inserts' parameters side by side (defaults are named by
    # table and column).
    with connection.cursor() as cursor:
        cursor.execute(f"WITH made AS ({document}) {link}", {**document_params, **params})
        return int(cursor.rowcount)


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """The four tables without their secondary indexes, unique and foreign-key
    constraints while the block fills them; all built again (and checked) at the end."""
    tables = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) "
            "AND c.contype IN ('u', 'f') ORDER BY c.contype DESC",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
            "AND c.conrelid = i.indrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        # Inside a transaction that has written rows the dropped foreign keys point to
        # (a test's fixtures), their deferred checks must run first: PostgreSQL refuses to
        # alter a table with pending trigger events. Django's are deferred again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        # Unique constraints first (their indexes), then the foreign keys, each checked
        # once over the whole table.
        for table, name, definition in constraints:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {_qn(name)} {definition}")
        cursor.execute("RESET maintenance_work_mem")

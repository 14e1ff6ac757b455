"""The agency's documents ("Văn bản"): what it recorded once, and where each serves.

An agency's documents are its internal data: its own staff and the province see them,
anyone else gets 404 (the policy's `document.view`), as for its reports.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cchc.accounts import policy
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.documents.models import Document, DocumentLink
from cchc.lib.text import fold
from cchc.monitoring.models import ProgressReport

PAGE_SIZE = 50


@require_GET
@requires("document.view")
def document_list(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency: Agency = policy.get_agency_for_user(request, agency_id, action="document.view")
    query = (request.GET.get("q") or "").strip()[:200]
    documents = Document.objects.filter(agency=agency)
    for word in fold(query).split():
        documents = documents.filter(search_text__contains=word)
    page = Paginator(
        documents.prefetch_related("files__stored").order_by("-issued_on", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Where each document serves, read once for the whole page.
    links = DocumentLink.objects.filter(document__in=rows, progress_report__isnull=False)
    report_ids = set(links.values_list("target_id", flat=True))
    reports = {
        r["pk"]: r
        for r in ProgressReport.objects.filter(pk__in=report_ids).values(
            "pk", "assignment_id", "period_id", "assignment__activity__title", "period__name"
        )
    }
    uses: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for document_id, report_id, role in links.order_by("pk").values_list(
        "document_id", "target_id", "role"
    ):
        if report_id in reports:
            uses[document_id].append({**reports[report_id], "role": role})
    context = {
        "agency": agency,
        "page": page,
        "rows": [(document, uses.get(document.pk, [])) for document in rows],
        "query": query,
    }
    return render(request, "documents/list.html", context)

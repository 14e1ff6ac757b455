"""The PAR INDEX scoring pages: scorecards (a tab per area, a row per criterion with the
self, appraised and final scores side by side), appraisers per area, publication and the
ranking. Every write goes through `cchc.par.scoring`; a refusal comes back as the
Vietnamese message of the exception, shown on the page it came from."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cchc.accounts import tenancy
from cchc.accounts.models import User
from cchc.accounts.policy import POLICY, can, get_for_user, requires, sees_every_agency
from cchc.lib.uploads import UploadRejected
from cchc.par import computed
from cchc.par.document import fmt_points
from cchc.par.models import (
    AppraiserAssignment,
    Campaign,
    CampaignResult,
    Criterion,
    Scorecard,
    ScoreItem,
    ScoreItemVersion,
)
from cchc.par.scoring import (
    Upload,
    appraisable,
    appraiser_assign,
    appraiser_unassign,
    campaign_publish,
    computed_refresh,
    evidence_choices,
    item_appraise,
    item_reply,
    item_self_score,
    scorecard_finalise,
    scorecard_submit,
    scorecard_withdraw,
    scorecards_visible,
    self_fillable,
)
from cchc.par.services import ParError

CAMPAIGNS = Campaign.objects.select_related("criteria_set", "group")


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_for_user(request, CAMPAIGNS, campaign_id, view="par.view")


def _scorecard(request: HttpRequest, scorecard_id: int) -> Scorecard:
    return get_for_user(
        request,
        Scorecard.objects.select_related("campaign__criteria_set", "campaign__group", "agency"),
        scorecard_id,
        view="par.scorecard.view",
    )


def _item(request: HttpRequest, item_id: int) -> ScoreItem:
    item = get_object_or_404(
        ScoreItem.objects.select_related(
            "criterion", "scorecard__campaign__criteria_set", "scorecard__agency"
        ),
        pk=item_id,
    )
    if not can(request.user, "par.scorecard.view", item.scorecard, when=False):
        raise Http404
    return item


def _back(item: ScoreItem) -> HttpResponse:
    area = item.criterion.code.split(".")[0]
    url = reverse("par_scorecard_detail", args=[item.scorecard_id])
    return redirect(f"{url}?area={area}#item-{item.pk}")


def _run(request: HttpRequest, action: Any, ok: str) -> bool:
    """Run a scoring service; its refusal becomes the page's error message."""
    try:
        action()
    except ParError as error:
        messages.error(request, error.message)
        return False
    except UploadRejected as error:
        messages.error(request, " ".join(str(m) for m in error.messages))
        return False
    messages.success(request, ok)
    return True


# ---------------------------------------------------------------------------
# Scorecards


@require_GET
@requires("par.scorecard.view")
def scorecard_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    cards = list(
        scorecards_visible(request.user, campaign)
        .annotate(
            self_total=Sum("items__self_score"),
            appraised_total=Sum("items__appraised_score"),
            final_total=Sum("items__final_score"),
            n_items=Count("items"),
        )
        .order_by("agency__sort_name")
    )
    from cchc.par.scoring import scorecards_missing

    user = request.user
    return render(
        request,
        "par/scorecard_list.html",
        {
            "campaign": campaign,
            "cards": cards,
            # Agencies that joined the group after the campaign opened (docs/par.md).
            "missing": scorecards_missing(campaign) if sees_every_agency(user) else [],
            "may_add": can(user, "par.scorecard.add", campaign),
            "may_survey": can(user, "par.survey.enter", campaign, when=False),
        },
    )


def _area_of(code: str) -> str:
    return code.split(".")[0]


@require_GET
@requires("par.scorecard.view")
def scorecard_detail(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    card = _scorecard(request, scorecard_id)
    campaign = card.campaign
    user = request.user
    nodes = list(Criterion.objects.filter(criteria_set_id=campaign.criteria_set_id))
    areas = sorted((n for n in nodes if n.level == 1), key=lambda n: n.position)
    by_id = {n.pk: n for n in nodes}
    chosen = request.GET.get("area") or (areas[0].code if areas else "")
    if chosen not in {a.code for a in areas}:
        chosen = areas[0].code if areas else ""
    items = list(
        card.items.select_related("criterion", "evidence_document", "appraised_by", "replied_by")
        .prefetch_related(
            "evidence_document__files",
            Prefetch(
                "versions",
                queryset=ScoreItemVersion.objects.select_related("actor").order_by("number"),
            ),
        )
        .order_by("criterion__position")
    )
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for item in items:
        area = _area_of(item.criterion.code)
        for field in ("self_score", "appraised_score", "final_score"):
            totals[area][field] += getattr(item, field) or Decimal(0)
    # What this user may do today, asked once per kind of action (the windows and the
    # scorecard are the same for every row; the area is what varies for an appraiser).
    may_fill = can(user, "par.scorecard.fill", card) and card.status == Scorecard.Status.DRAFT
    may_submit = can(user, "par.scorecard.submit", card)
    open_to_appraisal = appraisable(card)
    may_finalise = can(user, "par.scorecard.finalise", card) and open_to_appraisal
    may_reply = can(user, "par.item.reply", items[0]) if items else False
    choices = list(evidence_choices(card.agency_id, campaign.year)) if may_fill else []
    rows = []
    for item in items:
        if _area_of(item.criterion.code) != chosen:
            continue
        parent = by_id.get(item.criterion.parent_id) if item.criterion.parent_id else None
        computation = computed.REGISTRY.get(item.criterion.computation_key or "")
        rows.append(
            {
                "item": item,
                "parent": parent,
                "computation": computation,
                "fill": may_fill and self_fillable(item),
                "appraise": open_to_appraisal and can(user, "par.item.appraise", item),
                "reply": may_reply and bool(item.appraisal_comment) and not item.locked,
            }
        )
    tabs = [
        {
            "area": a,
            "current": a.code == chosen,
            "self": fmt_points(totals[a.code]["self_score"]),
            "final": fmt_points(totals[a.code]["final_score"]),
        }
        for a in areas
    ]
    return render(
        request,
        "par/scorecard.html",
        {
            "card": card,
            "campaign": campaign,
            "tabs": tabs,
            "area": next((a for a in areas if a.code == chosen), None),
            "rows": rows,
            "choices": choices,
            "may_fill": may_fill,
            "may_submit": may_submit,
            "may_finalise": may_finalise,
            "not_submitted_late": open_to_appraisal and card.status == Scorecard.Status.DRAFT,
            "max_upload_mb": settings.CCHC_MAX_UPLOAD_BYTES // (1024 * 1024),
            "totals": {
                "self": fmt_points(sum((t["self_score"] for t in totals.values()), Decimal(0))),
                "appraised": fmt_points(
                    sum((t["appraised_score"] for t in totals.values()), Decimal(0))
                ),
                "final": fmt_points(sum((t["final_score"] for t in totals.values()), Decimal(0))),
            },
        },
    )


@require_POST
@requires("par.scorecard.fill")
def item_self_view(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    upload = request.FILES.get("file")
    document = request.POST.get("document") or ""

    def act() -> None:
        item_self_score(
            item,
            actor=request.user,
            score=request.POST.get("score", ""),
            document_id=int(document) if document.isdigit() else None,
            upload=(
                Upload(upload.name or "", upload.read(), upload.content_type)
                if upload is not None
                else None
            ),
            pages=request.POST.get("pages", ""),
            explanation=request.POST.get("explanation", ""),
        )

    if document and not document.isdigit():
        messages.error(request, _("Tài liệu kiểm chứng đã chọn không hợp lệ."))
    else:
        _run(
            request,
            act,
            _("Đã lưu điểm tự chấm tiêu chí %(code)s.") % {"code": item.criterion.code},
        )
    return _back(item)


@require_POST
@requires("par.item.appraise")
def item_appraise_view(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    _run(
        request,
        lambda: item_appraise(
            item,
            actor=request.user,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
        ),
        _("Đã lưu điểm thẩm định tiêu chí %(code)s.") % {"code": item.criterion.code},
    )
    return _back(item)


@require_POST
@requires("par.item.reply")
def item_reply_view(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request, item_id)
    _run(
        request,
        lambda: item_reply(item, actor=request.user, text=request.POST.get("reply", "")),
        _("Đã gửi giải trình tiêu chí %(code)s.") % {"code": item.criterion.code},
    )
    return _back(item)


def _card_back(card: Scorecard) -> HttpResponse:
    return redirect("par_scorecard_detail", card.pk)


@require_POST
@requires("par.scorecard.submit")
def scorecard_submit_view(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    card = _scorecard(request, scorecard_id)
    if request.POST.get("withdraw"):
        _run(
            request,
            lambda: scorecard_withdraw(card, actor=request.user),
            _("Đã rút lại phiếu; sửa xong hãy nộp lại trước khi hết thời hạn."),
        )
    else:
        _run(
            request,
            lambda: scorecard_submit(card, actor=request.user),
            _("Đã nộp phiếu tự đánh giá."),
        )
    return _card_back(card)


@require_POST
@requires("par.scorecard.fill")
def scorecard_recompute_view(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    card = _scorecard(request, scorecard_id)
    if not can(request.user, "par.scorecard.fill", card, when=False):
        raise PermissionDenied
    if not can(request.user, "par.scorecard.fill", card) or card.status != "draft":
        messages.error(request, _("Chỉ tính lại được khi phiếu đang tự đánh giá, trong thời hạn."))
        return _card_back(card)
    changed = computed_refresh(card)
    messages.success(
        request,
        _("Đã tính lại các tiêu chí từ dữ liệu theo dõi: %(n)s tiêu chí thay đổi.")
        % {"n": changed},
    )
    return _card_back(card)


@require_POST
@requires("par.scorecard.finalise")
def scorecard_finalise_view(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    card = _scorecard(request, scorecard_id)
    finals: dict[int, Any] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("final_") and key[6:].isdigit() and value.strip():
            finals[int(key[6:])] = value
    _run(
        request,
        lambda: scorecard_finalise(card, actor=request.user, finals=finals),
        _("Đã chốt điểm và khoá phiếu của %(agency)s.") % {"agency": card.agency.name},
    )
    return _card_back(card)


# ---------------------------------------------------------------------------
# Appraisers


@requires("par.appraisers.manage")
def appraisers_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    areas = list(
        Criterion.objects.filter(criteria_set_id=campaign.criteria_set_id, level=1).order_by(
            "position"
        )
    )
    people = list(
        User.objects.filter(POLICY.audience("par.item.appraise")).order_by("role", "username")
    )
    if request.method == "POST":
        if request.POST.get("remove", "").isdigit():
            found = (
                AppraiserAssignment.objects.filter(
                    campaign=campaign, pk=int(request.POST["remove"])
                )
                .select_related("area", "user", "campaign")
                .first()
            )
            if found is not None:
                appraiser_unassign(found, actor=request.user)
                messages.success(request, _("Đã bỏ phân công."))
        else:
            area = next((a for a in areas if str(a.pk) == request.POST.get("area")), None)
            person = next((p for p in people if str(p.pk) == request.POST.get("user")), None)
            if area is None or person is None:
                messages.error(request, _("Hãy chọn lĩnh vực và người thẩm định trong danh sách."))
            else:
                _run(
                    request,
                    lambda: appraiser_assign(campaign, area=area, user=person, actor=request.user),
                    _("Đã phân công %(user)s thẩm định lĩnh vực %(code)s.")
                    % {"user": person, "code": area.code},
                )
        return redirect("par_appraisers", campaign.pk)
    assigned: dict[int, list[AppraiserAssignment]] = defaultdict(list)
    for a in AppraiserAssignment.objects.filter(campaign=campaign).select_related("user"):
        assigned[a.area_id].append(a)
    return render(
        request,
        "par/appraisers.html",
        {
            "campaign": campaign,
            "rows": [{"area": a, "assigned": assigned[a.pk]} for a in areas],
            "people": people,
            "areas": areas,
        },
    )


# ---------------------------------------------------------------------------
# Publication and results


@require_POST
@requires("par.publish")
def publish_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    if _run(
        request,
        lambda: campaign_publish(campaign, actor=request.user),
        _("Đã công bố kết quả của «%(title)s».") % {"title": campaign.title},
    ):
        return redirect("par_results", campaign.pk)
    return redirect("par_campaign_detail", campaign.pk)


RESULTS_PAGE = 50  # rows of the ranking a page


def _query_text(request: HttpRequest, key: str) -> str:
    """A search box's value: no NUL bytes, no control characters, at most 100 characters."""
    raw = request.GET.get(key, "")
    return "".join(ch for ch in raw if ch.isprintable())[:100].strip()


@require_GET
@requires("par.results.view")
def results_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The one results page of a published campaign: classes, the ranking a page at a time
    (filtered by class or agency name) with links to the scorecards one may read, the
    charts, the other groups' rankings of the year and the downloads.

    It reads what publication stored (CampaignResult), never the scores: the same number
    of queries and about the same time for 20 agencies or 5,000."""
    from cchc.lib.text import nfc
    from cchc.par.outputs import CHART_ROWS, RankingTable, change_chart, component_chart

    campaign = get_for_user(request, CAMPAIGNS, campaign_id, view="par.results.view")
    areas_list = list(
        Criterion.objects.filter(criteria_set_id=campaign.criteria_set_id, level=1).order_by(
            "position"
        )
    )
    areas = [(a.code, a.title) for a in areas_list]
    published = CampaignResult.objects.filter(campaign=campaign)
    # One grouped query: every class with its count and best rank, and the year-on-year
    # and regulation facts the page needs.
    class_rows = list(
        published.values("classification")
        .annotate(
            n=Count("pk"),
            best=Min("rank"),
            with_previous=Count("previous_index"),
            regulation=Max("classification_regulation"),
        )
        .order_by("best")
    )
    classes = [(c["classification"], c["n"]) for c in class_rows]
    total = sum(n for _label, n in classes)
    chosen_class = _query_text(request, "loai")
    if chosen_class not in {label for label, _n in classes}:
        chosen_class = ""
    query = _query_text(request, "q")
    rows = published.select_related("agency").order_by("rank", "agency__name", "pk")
    if chosen_class:
        rows = rows.filter(classification=chosen_class)
    if query:
        rows = rows.filter(agency__name__icontains=nfc(query))
    page = Paginator(rows, RESULTS_PAGE).get_page(request.GET.get("trang"))
    results = list(page.object_list)
    own = getattr(request.user, "agency_id", None)
    every = sees_every_agency(request.user)
    cards = dict(
        Scorecard.objects.filter(
            campaign=campaign,
            agency_id__in=[r.agency_id for r in results if every or r.agency_id == own],
        ).values_list("agency_id", "pk")
    )
    for r in results:
        r.component_list = [r.components.get(code, "") for code, _t in areas]
        r.card_id = cards.get(r.agency_id)
    own_result = published.filter(agency_id=own).select_related("agency").first() if own else None
    chart_table = RankingTable(
        campaign,
        areas_list,
        list(published.select_related("agency").order_by("rank", "agency__name", "pk")[:CHART_ROWS])
        if total
        else [],
    )
    groups = [
        c
        for c in tenancy.scope(
            Campaign.objects.filter(year=campaign.year, published_at__isnull=False),
            request.user,
            "group__province",
        )
        .select_related("group")
        .order_by("group__name", "pk")
        if can(request.user, "par.results.view", c)
    ]
    return render(
        request,
        "par/results.html",
        {
            "campaign": campaign,
            "areas": areas,
            "results": results,
            "page": page,
            "total": total,
            "own": own,
            "own_result": own_result,
            "classes": classes,
            "chosen_class": chosen_class,
            "query": query,
            "groups": groups if len(groups) > 1 else [],
            "regulation": next((c["regulation"] for c in class_rows if c["regulation"]), ""),
            "has_previous": any(c["with_previous"] for c in class_rows),
            "may_download": can(request.user, "par.results.export", campaign),
            "component_chart": component_chart(chart_table) if total else "",
            "change_chart": change_chart(chart_table) if total else "",
            "chart_rows": CHART_ROWS,
            "charts_cut": total > CHART_ROWS,
        },
    )


def campaign_summary(campaign: Campaign, user: Any) -> dict[str, Any]:
    """What the campaign page shows of the scoring: counts by status, what the user may do."""
    counts = dict(
        Scorecard.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {
        "counts": [(label, counts.get(value, 0)) for value, label in Scorecard.Status.choices],
        "n_cards": sum(counts.values()),
        "all_final": bool(counts) and set(counts) == {Scorecard.Status.FINALISED},
        "may_publish": can(user, "par.publish", campaign) and campaign.published_at is None,
        "may_assign": can(user, "par.appraisers.manage", campaign),
        "may_see_results": can(user, "par.results.view", campaign),
        "own_card": Scorecard.objects.filter(
            campaign=campaign, agency_id=getattr(user, "agency_id", None) or 0
        )
        .values_list("pk", flat=True)
        .first(),
        "n_appraisers": AppraiserAssignment.objects.filter(campaign=campaign)
        .filter(~Q(user=None))
        .count(),
    }

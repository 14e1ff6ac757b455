"""The campaign's survey page (điều tra xã hội học), the late members' scorecards and an
agency's own PAR INDEX page. Writes go through cchc.par.survey / cchc.par.scoring; a
refusal is shown on the page in Vietnamese and nothing is changed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cchc.accounts.policy import can, get_for_user, requires
from cchc.lib import calendar
from cchc.par import computed
from cchc.par.models import Campaign, CampaignResult, Scorecard, TaskRating
from cchc.par.scoring import scorecards_add_missing
from cchc.par.scoring_views import CAMPAIGNS
from cchc.par.services import ParError
from cchc.par.survey import (
    INDEX_KEY,
    SurveyImportError,
    survey_import_xlsx,
    survey_rows,
    survey_scores_save,
    survey_take_index,
    survey_template_xlsx,
)


def _survey_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_for_user(request, CAMPAIGNS, campaign_id, view="par.view")


@require_http_methods(["GET", "POST"])
@requires("par.survey.enter")
def survey_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _survey_campaign(request, campaign_id)
    issues: list[Any] = []
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "import":
                upload = request.FILES.get("file")
                if upload is None:
                    raise ParError(_("Hãy chọn tệp Excel (.xlsx) để nhập."))
                if (upload.size or 0) > settings.CCHC_MAX_IMPORT_BYTES:
                    raise ParError(_("Tệp quá lớn."))
                n = survey_import_xlsx(campaign, upload.read(), actor=request.user)
                messages.success(request, _("Đã nhập điểm điều tra: %(n)s ô thay đổi.") % {"n": n})
            elif action == "index":
                leaves, _rows = survey_rows(campaign)
                chosen = next(
                    (c for c in leaves if str(c.pk) == request.POST.get("criterion")), None
                )
                if chosen is None:
                    raise ParError(_("Hãy chọn một tiêu chí điều tra xã hội học trong danh sách."))
                taken = survey_take_index(campaign, chosen, actor=request.user)
                messages.success(
                    request,
                    _("Đã lấy chỉ số hài lòng cho tiêu chí %(code)s: %(n)s cơ quan thay đổi.")
                    % {"code": chosen.code, "n": taken.changed},
                )
                if taken.without_data:
                    messages.warning(
                        request,
                        _("Chưa có phiếu khảo sát, giữ nguyên điểm: %(names)s.")
                        % {"names": ", ".join(taken.without_data)},
                    )
            else:
                scores = {
                    int(key[2:]): value
                    for key, value in request.POST.items()
                    if key.startswith("s_") and key[2:].isdigit() and len(key) <= 14
                }
                # The «Xoá» button of one cell clears that score (entered by mistake).
                clear = [
                    int(v) for v in request.POST.getlist("clear") if v.isdigit() and len(v) <= 12
                ][:1]
                if request.POST.getlist("clear") and not clear:
                    raise ParError(_("Có ô không thuộc tiêu chí điều tra của đợt này."))
                if clear:
                    scores = {}
                n = survey_scores_save(campaign, actor=request.user, scores=scores, clear=clear)
                if clear:
                    messages.success(
                        request, _("Đã xoá điểm điều tra: %(n)s ô thay đổi.") % {"n": n}
                    )
                else:
                    messages.success(
                        request, _("Đã lưu điểm điều tra: %(n)s ô thay đổi.") % {"n": n}
                    )
        except SurveyImportError as error:
            issues = error.issues
            messages.error(
                request,
                _("Không nhập được: %(n)s lỗi. Dữ liệu không thay đổi.") % {"n": len(issues)},
            )
        except ParError as error:
            messages.error(request, error.message)
        else:
            return redirect("par_survey", campaign.pk)
    leaves, rows = survey_rows(campaign)
    may_enter = can(request.user, "par.survey.enter", campaign)
    return render(
        request,
        "par/survey.html",
        {
            "campaign": campaign,
            "leaves": [
                {
                    "criterion": c,
                    "index": c.computation_key == INDEX_KEY,
                    "computation": computed.REGISTRY.get(c.computation_key or ""),
                }
                for c in leaves
            ],
            "rows": rows,
            "may_enter": may_enter,
            "issues": issues,
            "today": calendar.today(),
        },
        status=400 if issues else 200,
    )


@require_GET
@requires("par.survey.enter")
def survey_template(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _survey_campaign(request, campaign_id)
    response = HttpResponse(
        survey_template_xlsx(campaign),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="dieu-tra-xhh-dot-{campaign.pk}-{campaign.year}.xlsx"'
    )
    return response


@require_POST
@requires("par.scorecard.add")
def scorecards_add_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _survey_campaign(request, campaign_id)
    try:
        n = scorecards_add_missing(campaign, actor=request.user)
    except ParError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Đã tạo phiếu chấm điểm cho %(n)s cơ quan mới vào nhóm.") % {"n": n}
        )
    return redirect("par_scorecard_list", campaign.pk)


@require_GET
@requires("par.own.view")
def own_page(request: HttpRequest) -> HttpResponse:
    """The agency's own PAR INDEX: its scorecards, each campaign's published result (its own
    only; nothing before publication) and its task-completion ratings."""
    agency_id = getattr(request.user, "agency_id", None)
    if agency_id is None:
        raise PermissionDenied
    cards = list(
        Scorecard.objects.filter(agency_id=agency_id)
        .select_related("campaign__group", "agency")
        .order_by("-campaign__year", "campaign__title")
    )
    results = {
        r.campaign_id: r
        for r in CampaignResult.objects.filter(
            agency_id=agency_id, campaign__published_at__isnull=False
        )
    }
    rows = [
        {
            "card": card,
            "campaign": card.campaign,
            "result": results.get(card.campaign_id),
            "may_see_ranking": card.campaign.published_at is not None,
        }
        for card in cards
    ]
    ratings = list(
        TaskRating.objects.filter(agency_id=agency_id)
        .select_related("scheme__group")
        .order_by("-scheme__year", "scheme__group__name")
    )
    return render(
        request,
        "par/own.html",
        {"rows": rows, "ratings": ratings, "agency": cards[0].agency if cards else None},
    )

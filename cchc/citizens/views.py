"""Survey pages: the public form (no account) and its thank-you page; the results, the
sample-size helper and the export for the province and the agencies; links and QR codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from cchc.accounts import policy, tenancy
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.citizens import index
from cchc.citizens.forms import PopulationForm, SurveyForm
from cchc.citizens.models import Counter, SamplePopulation, SurveyDefinition, SurveyResponse
from cchc.citizens.qr import qr_png, survey_url
from cchc.citizens.services import (
    DEVICE_COOKIE,
    DEVICE_MAX_AGE,
    AlreadyAnswered,
    Place,
    SurveyError,
    active_definition,
    already_answered,
    already_answered_message,
    counter_create,
    device_token_from,
    new_device_token,
    population_set,
    quarter_of,
    response_submit,
    sign_device_token,
)
from cchc.jobs.services import job_start
from cchc.lib import calendar

QUARTERS = ["I", "II", "III", "IV"]


# ---------------------------------------------------------------------------
# The public survey


def _open_agency(agency_id: int) -> Agency:
    # With its province: a response stamps its province's panel (cchc.citizens.stamps).
    agency = get_object_or_404(
        Agency.objects.only("pk", "name", "closed_on", "province"), pk=agency_id
    )
    if agency.closed_on is not None:
        raise Http404
    return agency


def _with_device_cookie(request: HttpRequest, response: HttpResponse, token: str) -> None:
    if device_token_from(request.COOKIES.get(DEVICE_COOKIE)) != token:
        response.set_cookie(
            DEVICE_COOKIE,
            sign_device_token(token),
            max_age=DEVICE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _survey(request: HttpRequest, place: Place) -> HttpResponse:
    known = device_token_from(request.COOKIES.get(DEVICE_COOKIE))
    token = known or new_device_token()
    year, quarter = quarter_of(calendar.today())
    context: dict[str, Any] = {"place": place, "quarter": QUARTERS[quarter - 1], "year": year}
    if request.method == "POST":
        # The address's count (in the database cache by default) and the response are
        # written in one transaction: one commit, one disk flush, for a submission.
        with transaction.atomic():
            outcome = _survey_post(request, place, known, context)
        if isinstance(outcome, HttpResponse):
            return outcome
        form, definition, status = outcome
    else:
        if already_answered(place, known):
            context["already"] = already_answered_message(place)
        definition = active_definition()
        form = SurveyForm(definition=definition)
        status = 200
    context |= {"form": form, "definition": definition, "scale": definition.scale}
    page = render(request, "citizens/survey.html", context, status=status)
    _with_device_cookie(request, page, token)
    return page


def _survey_post(
    request: HttpRequest, place: Place, known: str | None, context: dict[str, Any]
) -> HttpResponse | tuple[SurveyForm, SurveyDefinition, int]:
    """Check and save a submission: a response to send, or the form to show again."""
    if is_ratelimited(
        request,
        group="cchc.survey.submit",
        key="ip",
        rate=settings.CCHC_SURVEY_RATE,
        method="POST",
        increment=True,
    ):
        return render(request, "citizens/too_many.html", {"place": place}, status=429)
    definition_id = request.POST.get("definition", "")
    definition = (
        SurveyDefinition.objects.filter(pk=int(definition_id)).first()
        if definition_id.isdigit() and len(definition_id) < 10
        else None
    ) or active_definition()
    form = SurveyForm(request.POST, definition=definition)
    if form.is_bot:
        # Silently: a bot learns nothing it could adjust to; nothing is saved.
        return redirect("survey_thanks")
    status = 400
    if known is None:
        form.add_error(
            None,
            _(
                "Không nhận ra thiết bị gửi phiếu (trình duyệt chặn cookie hoặc phiếu mở đã "
                "lâu). Xin ông/bà bấm «Gửi đánh giá» lần nữa."
            ),
        )
    elif form.is_valid():
        try:
            response_submit(
                place=place,
                definition=definition,
                token=known,
                answers=form.answers(),
                comment=form.cleaned_data["comment"],
                questions=form.question_elements(),
            )
        except AlreadyAnswered as refused:
            context["already"] = str(refused)
            status = 409
        except SurveyError as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("survey_thanks")
    return form, definition, status


def _own_province(responses: Any, user: Any) -> Any:
    """The responses of the agencies the user reads. A province-wide role's province is
    given as its agencies' ids, a filter the survey tallies carry (cchc.citizens.index),
    so the figures are still read from the tallies rather than the answers."""
    if policy.agency_ids_visible_to(user) is None and tenancy.province_of(user) is not None:
        return responses.filter(agency_id__in=sorted(tenancy.province_agency_ids(user)))
    return policy.scope_agencies(responses, user, "agency_id")


@require_http_methods(["GET", "POST"])
@requires("survey.answer")
def survey_agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _survey(request, Place(_open_agency(agency_id)))


@require_http_methods(["GET", "POST"])
@requires("survey.answer")
def survey_counter(request: HttpRequest, counter_id: int) -> HttpResponse:
    counter = get_object_or_404(
        Counter.objects.select_related("agency"), pk=counter_id, is_active=True
    )
    if counter.agency.closed_on is not None:
        raise Http404
    return _survey(request, Place(counter.agency, counter))


@require_GET
@requires("survey.answer")
def survey_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "citizens/thanks.html")


# ---------------------------------------------------------------------------
# Results


@dataclass
class AgencyRow:
    agency: Agency
    figure: index.Figure
    population: int | None
    required: int | None

    @property
    def enough(self) -> bool | None:
        if self.required is None:
            return None
        return self.figure.responses >= self.required


@dataclass
class Results:
    year: int
    quarter: int  # 0: the whole year
    agency: Agency | None
    method: index.Method
    margin: float
    codes: list[str]
    titles: list[str]
    years: list[int]
    definition: SurveyDefinition
    overall: index.Figure
    agencies: list[AgencyRow] = field(default_factory=list)
    counters: list[tuple[Counter, index.Figure]] = field(default_factory=list)
    quarters: list[tuple[str, index.Figure]] = field(default_factory=list)

    @property
    def period_label(self) -> str:
        if self.quarter:
            return _("Quý %(q)s/%(year)s") % {"q": QUARTERS[self.quarter - 1], "year": self.year}
        return _("Năm %(year)s") % {"year": self.year}

    @property
    def below_sample(self) -> int:
        return sum(1 for row in self.agencies if row.enough is False)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    if value is None or not value.strip().isdigit() or len(value) > 6:
        return default
    number = int(value)
    return number if low <= number <= high else default


def results_for(request: HttpRequest) -> Results:
    """Read the filters (year, quarter, agency, method) and count, in a fixed number of
    queries."""
    user = request.user
    visible = policy.agency_ids_visible_to(user)
    years = sorted(
        SurveyResponse.objects.order_by().values_list("year", flat=True).distinct(), reverse=True
    )
    today_year = calendar.today().year
    year = _int(request.GET.get("year"), years[0] if years else today_year, 2000, 2100)
    quarter = _int(request.GET.get("quarter"), 0, 0, 4)
    agency: Agency | None = None
    agency_param = request.GET.get("agency")
    if agency_param:
        agency_id = _int(agency_param, 0, 1, 10**9)
        agency = policy.get_for_user(
            request, Agency.objects.only("pk", "name", "province"), agency_id, view="survey.results"
        )
    elif visible is not None:
        # Agency staff read their own agency's results (and a district its communes').
        own = getattr(user, "agency_id", None)
        if own is None:
            raise Http404
        agency = Agency.objects.only("pk", "name").get(pk=own)
    method = index.method_for(request.GET.get("method"))
    margin = float(settings.CCHC_SURVEY_MARGIN)
    definition = active_definition()
    elements = list(definition.elements.order_by("position").values_list("code", "title"))
    codes = [code for code, _title in elements]
    titles = [title for _code, title in elements]
    element_code = index.element_codes()
    responses = SurveyResponse.objects.filter(year=year)
    if quarter:
        responses = responses.filter(quarter=quarter)
    if agency is not None:
        responses = responses.filter(agency=agency)
    elif visible is not None:
        responses = responses.filter(agency_id__in=sorted(visible))
    else:
        # The province's figure: its own agencies' answers (cchc.accounts.tenancy).
        responses = _own_province(responses, user)
    results = Results(
        year=year,
        quarter=quarter,
        agency=agency,
        method=method,
        margin=margin,
        codes=codes,
        titles=titles,
        years=years or [today_year],
        definition=definition,
        overall=index.overall_figure(responses, method, codes, element_code),
    )
    by_agency = index.figures(responses, ["agency_id"], method, codes, element_code)
    populations = dict(
        SamplePopulation.objects.filter(year=year, quarter=quarter).values_list(
            "agency_id", "population"
        )
    )
    if agency is not None:
        populations = {k: v for k, v in populations.items() if k == agency.pk}
    elif visible is not None:
        populations = {k: v for k, v in populations.items() if k in visible}
    ids = set(by_agency) | set(populations)
    names = {a.pk: a for a in Agency.objects.filter(pk__in=sorted(ids)).only("pk", "name")}
    for agency_id in sorted(ids, key=lambda pk: names[pk].name if pk in names else ""):
        if agency_id not in names:
            continue
        figure = by_agency.get(agency_id) or index.Figure(key=agency_id).compute(method, codes)
        population = populations.get(agency_id)
        required = index.required_sample(population, margin) if population is not None else None
        results.agencies.append(AgencyRow(names[agency_id], figure, population, required))
    by_counter = index.figures(
        responses.filter(counter__isnull=False), ["counter_id"], method, codes, element_code
    )
    counters = Counter.objects.filter(pk__in=sorted(by_counter)).select_related("agency")
    results.counters = [(c, by_counter[c.pk]) for c in counters]
    # The quarters of the year side by side, whatever quarter is chosen above.
    year_responses = SurveyResponse.objects.filter(year=year)
    if agency is not None:
        year_responses = year_responses.filter(agency=agency)
    elif visible is not None:
        year_responses = year_responses.filter(agency_id__in=sorted(visible))
    else:
        year_responses = _own_province(year_responses, user)
    by_quarter = index.figures(year_responses, ["quarter"], method, codes, element_code)
    results.quarters = [(QUARTERS[q - 1], by_quarter[q]) for q in range(1, 5) if q in by_quarter]
    return results


@require_GET
@requires("survey.results")
def survey_results(request: HttpRequest) -> HttpResponse:
    results = results_for(request)
    can_enter = policy.can(request.user, "survey.population")
    choices = list(
        policy.visible_agencies(request.user)
        .filter(closed_on__isnull=True)
        .order_by("sort_name")
        .only("pk", "name")
    )
    query: dict[str, str | int] = {
        "year": results.year,
        "quarter": results.quarter,
        "method": results.method.code,
    }
    if results.agency is not None:
        query["agency"] = results.agency.pk
    return render(
        request,
        "citizens/results.html",
        {
            "results": results,
            "can_enter": can_enter,
            "agency_choices": choices,
            "all_agencies": policy.agency_ids_visible_to(request.user) is None,
            "methods": list(index.METHODS.values()),
            "quarters": list(enumerate(QUARTERS, start=1)),
            "export_query": urlencode(query),
            "this_page": request.get_full_path(),
        },
    )


@require_POST
@requires("survey.population")
def survey_population(request: HttpRequest) -> HttpResponse:
    form = PopulationForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/khao-sat/ket-qua/"):
        back = reverse("survey_results")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    agency = policy.get_for_user(
        request, Agency.objects.all(), form.cleaned_data["agency"], view="survey.results"
    )
    try:
        population_set(
            agency=agency,
            year=form.cleaned_data["year"],
            quarter=form.cleaned_data["quarter"],
            population=form.cleaned_data["population"],
            actor=request.user,
        )
    except SurveyError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Đã lưu số hồ sơ (N) của %(agency)s.") % {"agency": agency.name},
        )
    return redirect(back)


@require_GET
@requires("survey.results")
def survey_export(request: HttpRequest) -> HttpResponse:
    results = results_for(request)
    params: dict[str, Any] = {"year": results.year, "quarter": results.quarter}
    if results.agency is not None:
        params["agency"] = results.agency.pk
    job = job_start(kind="survey_responses", params=params, asked_by=request.user)  # type: ignore[arg-type]
    return redirect("job_detail", job_id=job.pk)


# ---------------------------------------------------------------------------
# Links and QR codes


@require_GET
@requires("survey.links")
def survey_links(request: HttpRequest) -> HttpResponse:
    agencies = list(
        policy.visible_agencies(request.user)
        .filter(closed_on__isnull=True)
        .order_by("sort_name")
        .only("pk", "name", "kind")
    )
    counters: dict[int, list[Counter]] = {}
    for counter in Counter.objects.filter(
        agency_id__in=[a.pk for a in agencies], is_active=True
    ).order_by("name"):
        counters.setdefault(counter.agency_id, []).append(counter)
    rows = [
        {
            "agency": a,
            "url": survey_url(agency_id=a.pk),
            "counters": [
                {"counter": c, "url": survey_url(agency_id=a.pk, counter=c)}
                for c in counters.get(a.pk, [])
            ],
        }
        for a in agencies
    ]
    return render(
        request,
        "citizens/links.html",
        {"rows": rows, "can_add": policy.can(request.user, "survey.counters")},
    )


@require_POST
@requires("survey.counters")
def survey_counter_add(request: HttpRequest) -> HttpResponse:
    agency_id = _int(request.POST.get("agency"), 0, 1, 10**9)
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        messages.error(request, _("Hãy chọn cơ quan của quầy."))
        return redirect("survey_links")
    try:
        counter = counter_create(agency=agency, name=request.POST.get("name", ""))
    except SurveyError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("Đã thêm quầy «%(name)s»; in tờ mã QR của quầy ở dòng dưới %(agency)s.")
            % {"name": counter.name, "agency": agency.name},
        )
    return redirect("survey_links")


def _place_for_links(request: HttpRequest, agency_id: int | None, counter_id: int | None) -> Place:
    if counter_id is not None:
        counter = get_object_or_404(Counter.objects.select_related("agency"), pk=counter_id)
        if not policy.can(request.user, "survey.links", counter.agency, when=False):
            raise Http404
        return Place(counter.agency, counter)
    assert agency_id is not None
    agency = policy.get_for_user(request, Agency.objects.all(), agency_id, view="survey.links")
    return Place(agency)


def _png(place: Place) -> HttpResponse:
    url = survey_url(agency_id=place.agency.pk, counter=place.counter)
    response = HttpResponse(qr_png(url), content_type="image/png")
    name = f"khao-sat-quay-{place.counter.pk}" if place.counter else f"khao-sat-{place.agency.pk}"
    response["Content-Disposition"] = f'inline; filename="{name}.png"'
    return response


def _sheet(request: HttpRequest, place: Place) -> HttpResponse:
    png = (
        reverse("survey_qr_counter_png", args=[place.counter.pk])
        if place.counter
        else reverse("survey_qr_agency_png", args=[place.agency.pk])
    )
    return render(
        request,
        "citizens/sheet.html",
        {
            "place": place,
            "url": survey_url(agency_id=place.agency.pk, counter=place.counter),
            "png": png,
        },
    )


@require_GET
@requires("survey.links")
def survey_qr_agency_png(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _png(_place_for_links(request, agency_id, None))


@require_GET
@requires("survey.links")
def survey_qr_counter_png(request: HttpRequest, counter_id: int) -> HttpResponse:
    return _png(_place_for_links(request, None, counter_id))


@require_GET
@requires("survey.links")
def survey_sheet_agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    return _sheet(request, _place_for_links(request, agency_id, None))


@require_GET
@requires("survey.links")
def survey_sheet_counter(request: HttpRequest, counter_id: int) -> HttpResponse:
    return _sheet(request, _place_for_links(request, None, counter_id))

"""Indicator pages: the list with statuses, one indicator with its trend and values, the
entry of a value, the XLSX import and export."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cchc.accounts import policy
from cchc.accounts.policy import requires
from cchc.citizens import indicators as service
from cchc.citizens.forms import IndicatorForm
from cchc.citizens.indicator_files import import_workbook
from cchc.citizens.indicators import (
    EvidenceFile,
    IndicatorError,
    IndicatorInvalid,
    NumberInvalid,
    read_decimal,
)
from cchc.citizens.models import Indicator, Measurement
from cchc.jobs.services import job_start
from cchc.lib import calendar, storage
from cchc.lib.uploads import UploadRejected
from cchc.lib.widgets import FilePicker

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _number(value: Decimal | None) -> str:
    if value is None:
        return "—"
    # Written as the forms read it back, whatever the page's language (`read_decimal`):
    # 2.430 is two thousand four hundred and thirty, 41,25 has two decimals.
    return format_decimal(value, format="#,##0.##", locale="vi")


def _ticks(low: float, high: float) -> list[float]:
    """Four or five round levels (1, 2 or 5 times a power of ten) from below `low` to
    above `high`, for the chart's grid."""
    if high == low:
        high, low = high + 1, low - 1
    raw = (high - low) / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    if start == low:
        start -= step
    levels = [start]
    while levels[-1] <= high:
        levels.append(round(levels[-1] + step, 10))
    return levels


def trend_chart(indicator: Indicator, measurements: list[Measurement]) -> SafeString:
    """The values over time, with the target as a line: the dashboards' line chart
    (`dashboards/charts/line.svg`), on a scale that fits the values, the baseline and
    the target (an indicator is not always a percentage, and may be negative)."""
    points = [(str(indicator.baseline_year), indicator.baseline_value)] + [
        (m.period, m.value) for m in measurements
    ]
    values = [v for _label, v in points] + [indicator.target_value]
    ticks = _ticks(float(min(values)), float(max(values)))
    low, high = ticks[0], ticks[-1]
    # Drawn at its own size (the page lets it scroll sideways rather than scale it, so the
    # labels keep 12 px on a phone): each period gets the room its label needs.
    label_px = max(len(label) for label, _v in points) * 6.6 + 16
    step = max(72, round(label_px))
    left, top, plot_h = 56, 16, 200
    first_x = left + max(10, round(label_px / 2) - left + 8)
    right = max(20, round(label_px / 2) + 4)
    width = first_x + step * max(len(points) - 1, 1) + right
    height = top + plot_h + 44

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    marks: list[dict[str, object]] = []
    path: list[str] = []
    for index, (label, value) in enumerate(points):
        x = first_x + step * index
        y = y_of(float(value))
        marks.append(
            {
                "x": x,
                "y": f"{y:.1f}",
                "label": label,
                "value": f"{_number(value)} {indicator.unit}",
                "value_y": f"{y - 8:.1f}",
                "has_value": True,
            }
        )
        path.append(f"{'M' if not path else 'L'}{x},{y:.1f}")
    target_y = y_of(float(indicator.target_value))
    grid = [
        {
            "y": f"{y_of(level):.1f}",
            "ty": f"{y_of(level) + 4:.1f}",
            # A level next to the target line leaves its label to the target's.
            "label": "" if abs(y_of(level) - target_y) < 14 else _number(Decimal(str(level))),
        }
        for level in ticks
    ]
    svg = render_to_string(
        "dashboards/charts/line.svg",
        {
            "id": f"trend-{indicator.pk}",
            "title": _("Diễn biến: %(name)s") % {"name": indicator.name},
            "desc": _("Giá trị năm gốc và các kỳ đo; chỉ tiêu %(target)s %(unit)s.")
            % {"target": _number(indicator.target_value), "unit": indicator.unit},
            "width": width,
            "height": height,
            "left": left,
            "right_x": width - right,
            "grid": [
                *grid,
                {"y": f"{target_y:.1f}", "ty": f"{target_y + 4:.1f}", "label": _("chỉ tiêu")},
            ],
            "marks": marks,
            "path": " ".join(path),
            "axis_label_y": top + plot_h + 20,
        },
    )
    return mark_safe(svg)  # rendered by the template engine, every label escaped


@require_GET
@requires("indicator.view")
def indicator_list(request: HttpRequest) -> HttpResponse:
    today = calendar.today()
    rows = service.indicator_values(None, today, request.user)
    return render(
        request,
        "citizens/indicator_list.html",
        {
            "rows": [
                (row, _number(row.value), _number(row.indicator.target_value)) for row in rows
            ],
            "rule": service.RULE_TEXT,
            "today": today,
            "can_manage": policy.can(request.user, "indicator.manage"),
        },
    )


@require_http_methods(["GET", "POST"])
@requires("indicator.view")
def indicator_detail(request: HttpRequest, indicator_id: int) -> HttpResponse:
    indicator = policy.get_for_user(
        request, Indicator.objects.select_related("agency"), indicator_id, view="indicator.view"
    )
    can_measure = policy.can(request.user, "indicator.measure", indicator)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        if not can_measure:
            policy.require(request.user, "indicator.measure", indicator)
        value: Decimal | None = None
        try:
            value = read_decimal(request.POST.get("value", "")[:30])
        except NumberInvalid as refused:
            errors.append(str(refused))
        else:
            if value is None:
                errors.append(_("Giá trị phải là một số (ví dụ 52,5)."))
        measured_on: date | None = None
        try:
            measured_on = date.fromisoformat(request.POST.get("measured_on", "")[:10])
        except ValueError:
            errors.append(_("Ngày tính số liệu không hợp lệ."))
        evidence_file: EvidenceFile | None = None
        upload = request.FILES.get("evidence_file")
        if upload is not None:
            try:
                evidence_file = service.evidence_upload(
                    upload.name or "", upload, upload.content_type
                )
            except UploadRejected as refused:
                errors.append(_("Tệp minh chứng: %(why)s") % {"why": "; ".join(refused.messages)})
        if not errors:
            try:
                service.measurement_record(
                    indicator=indicator,
                    period=request.POST.get("period", "")[:41],
                    measured_on=measured_on,  # type: ignore[arg-type]
                    value=value,  # type: ignore[arg-type]
                    source=request.POST.get("source", "")[:501],
                    evidence=request.POST.get("evidence", "")[:501],
                    evidence_file=evidence_file,
                    actor=request.user,  # type: ignore[arg-type]
                )
            except IndicatorError as refused:
                errors.append(str(refused))
            else:
                messages.success(request, _("Đã lưu số liệu."))
                return redirect("indicator_detail", indicator_id=indicator.pk)
        status = 400
    measurements = list(indicator.measurements.order_by("measured_on"))
    today = calendar.today()
    current = service.indicator_values(indicator.agency_id, today)
    status_now = next(v for v in current if v.indicator.pk == indicator.pk)
    return render(
        request,
        "citizens/indicator_detail.html",
        {
            "indicator": indicator,
            "value": status_now,
            "chart": trend_chart(indicator, measurements),
            "measurements": [(m, _number(m.value)) for m in measurements],
            "baseline": _number(indicator.baseline_value),
            "target": _number(indicator.target_value),
            "rule": service.RULE_TEXT,
            "can_measure": can_measure,
            "can_manage": policy.can(request.user, "indicator.manage", indicator),
            "max_upload_mb": settings.CCHC_MAX_UPLOAD_BYTES // (1024 * 1024),
            # The platform's file input, in Vietnamese whatever the browser's language.
            "evidence_picker": FilePicker().render(
                "evidence_file",
                None,
                attrs={"id": "m-evidence-file", "accept": ".pdf,.png,.jpg,.jpeg,.webp,.docx,.xlsx"},
            ),
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
            "today": today,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires("indicator.manage")
def indicator_import(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors.append(_("Hãy chọn tệp Excel (.xlsx) để nhập."))
        elif (upload.size or 0) > MAX_IMPORT_BYTES:
            errors.append(_("Tệp lớn quá 5 MB."))
        else:
            result = import_workbook(upload.read(), actor=request.user)  # type: ignore[arg-type]
            errors = result.errors
            if not errors:
                messages.success(
                    request,
                    _(
                        "Đã nhập: %(created)s chỉ tiêu mới, %(updated)s chỉ tiêu cập nhật, "
                        "%(measurements)s số liệu."
                    )
                    % result.__dict__,
                )
                return redirect("indicator_list")
        status = 400
    return render(request, "citizens/indicator_import.html", {"errors": errors}, status=status)


@require_GET
@requires("indicator.view")
def indicator_export(request: HttpRequest) -> HttpResponse:
    job = job_start(kind="indicators", params={}, asked_by=request.user)  # type: ignore[arg-type]
    return redirect("job_detail", job_id=job.pk)


def _indicator_form_page(request: HttpRequest, indicator: Indicator | None) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = IndicatorForm(request.POST, current=indicator, user=request.user)
        if form.is_valid():
            try:
                saved = service.indicator_save(
                    indicator=indicator,
                    values=form.typed_values(),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except IndicatorInvalid as refused:
                for name, texts in refused.errors.items():
                    for text in texts:
                        form.add_error(name if name in form.fields else None, text)
            except IndicatorError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    _("Đã lưu chỉ tiêu «%(name)s».") % {"name": saved.name}
                    if indicator is not None
                    else _("Đã tạo chỉ tiêu «%(name)s».") % {"name": saved.name},
                )
                return redirect("indicator_detail", indicator_id=saved.pk)
        status = 400
    elif indicator is not None:
        form = IndicatorForm(
            initial={
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "direction": indicator.direction,
                "baseline_year": indicator.baseline_year,
                "baseline_value": _number(indicator.baseline_value),
                "target_value": _number(indicator.target_value),
                "due_on": indicator.due_on,
                "agency": indicator.agency_id,
                "source": indicator.source,
            },
            current=indicator,
            user=request.user,
        )
    else:
        form = IndicatorForm(initial={"direction": Indicator.Direction.UP}, user=request.user)
    return render(
        request,
        "citizens/indicator_form.html",
        {"form": form, "indicator": indicator},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@requires("indicator.manage")
def indicator_create(request: HttpRequest) -> HttpResponse:
    return _indicator_form_page(request, None)


@require_http_methods(["GET", "POST"])
@requires("indicator.manage")
def indicator_edit(request: HttpRequest, indicator_id: int) -> HttpResponse:
    indicator = policy.get_for_user(
        request,
        Indicator.objects.select_related("agency"),
        indicator_id,
        view="indicator.view",
        write="indicator.manage",
    )
    return _indicator_form_page(request, indicator)


@require_GET
@requires("indicator.view")
def measurement_evidence(request: HttpRequest, measurement_id: int) -> HttpResponse:
    measurement = get_object_or_404(
        Measurement.objects.select_related("evidence_file"), pk=measurement_id
    )
    # The indicator's province decides (provinces are tenants): 404 for another's.
    if measurement.evidence_file is None or not policy.can(
        request.user, "indicator.view", measurement.indicator, when=False
    ):
        raise Http404
    return storage.file_response(  # type: ignore[return-value]
        measurement.evidence_file, measurement.evidence_filename or "minh-chung"
    )

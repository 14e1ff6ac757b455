"""Indicators in the API: each with its latest value and status (read), their creation
and change, and the entry of a measured value (the same policy and services as the
pages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from cchc.accounts import policy
from cchc.agencies.models import Agency
from cchc.api.auth import api_auth
from cchc.api.schemas import ErrorOut
from cchc.api.views import api
from cchc.citizens import indicators as service
from cchc.citizens.models import Indicator, Measurement
from cchc.lib import calendar, storage
from cchc.lib.uploads import UploadRejected


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    unit: str
    direction: str
    baseline_year: int
    baseline_value: Decimal
    target_value: Decimal
    due_on: date
    agency_id: int
    agency: str
    latest_value: Decimal | None
    latest_period: str
    latest_on: date | None
    status: str
    status_label: str


class MeasurementOut(Schema):
    period: str
    measured_on: date
    value: Decimal
    source: str
    evidence: str
    evidence_file_url: str | None
    evidence_api_url: str | None


class IndicatorDetailOut(IndicatorOut):
    measurements: list[MeasurementOut]
    rule: str


class MeasurementIn(Schema):
    period: str = Field(..., max_length=40)
    measured_on: date
    value: Decimal = Field(..., max_digits=14, decimal_places=2)
    source: str = Field(..., max_length=500)
    evidence: str = Field("", max_length=500)


class IndicatorIn(Schema):
    code: str = Field(..., max_length=60)
    name: str = Field(..., max_length=500)
    unit: str = Field(..., max_length=40)
    direction: str = Field(..., description="up (càng cao càng tốt) hoặc down")
    baseline_year: int
    baseline_value: Decimal = Field(..., max_digits=14, decimal_places=2)
    target_value: Decimal = Field(..., max_digits=14, decimal_places=2)
    due_on: date
    agency_id: int
    source: str = Field("", max_length=500)


def _out(value: service.IndicatorValue) -> dict[str, object]:
    return {
        **value.as_dict(),
        "id": value.indicator.pk,
        "agency_id": value.indicator.agency_id,
    }


def _detail(indicator: Indicator) -> dict[str, object]:
    today = calendar.today()
    value = next(
        v
        for v in service.indicator_values(indicator.agency_id, today)
        if v.indicator.pk == indicator.pk
    )
    out = _out(value)
    out["measurements"] = [
        {
            "period": m.period,
            "measured_on": m.measured_on,
            "value": m.value,
            "source": m.source,
            "evidence": m.evidence,
            "evidence_file_url": reverse("measurement_evidence", args=[m.pk])
            if m.evidence_file_id
            else None,
            "evidence_api_url": reverse("api:get_measurement_evidence", args=[m.pk])
            if m.evidence_file_id
            else None,
        }
        for m in indicator.measurements.order_by("measured_on")
    ]
    out["rule"] = str(service.RULE_TEXT)
    return out


@api.get(
    "/indicators",
    response=list[IndicatorOut],
    tags=["indicators"],
    summary="Các chỉ tiêu, giá trị mới nhất và trạng thái",
    auth=api_auth("indicator.view"),
)
def list_indicators(request: HttpRequest) -> list[dict[str, object]]:
    return [_out(v) for v in service.indicator_values(None, calendar.today(), request.user)]


@api.get(
    "/indicators/{int:indicator_id}",
    response={200: IndicatorDetailOut, 404: ErrorOut},
    tags=["indicators"],
    summary="Một chỉ tiêu và các số liệu đo",
    auth=api_auth("indicator.view"),
)
def get_indicator(request: HttpRequest, indicator_id: int) -> dict[str, object]:
    return _detail(_visible(request, indicator_id))


def _fresh(indicator_id: int) -> Indicator | None:
    return Indicator.objects.select_related("agency").filter(pk=indicator_id).first()


def _visible(request: HttpRequest, indicator_id: int) -> Indicator:
    """The indicator, or 404 when there is none the user may read (another province's)."""
    indicator = _fresh(indicator_id)
    if indicator is None or not policy.can(request.user, "indicator.view", indicator):
        raise HttpError(404, _("Không có chỉ tiêu này."))
    return indicator


def _measurable(request: HttpRequest, indicator_id: int) -> Indicator:
    indicator = _visible(request, indicator_id)
    if not policy.can(request.user, "indicator.measure", indicator):
        raise HttpError(403, _("Bạn không nhập số liệu cho chỉ tiêu này được."))
    return indicator


def _record(
    request: HttpRequest,
    indicator: Indicator,
    *,
    period: str,
    measured_on: date,
    value: Decimal,
    source: str,
    evidence: str,
    evidence_file: service.EvidenceFile | None = None,
) -> dict[str, object]:
    try:
        service.measurement_record(
            indicator=indicator,
            period=period,
            measured_on=measured_on,
            value=value,
            source=source,
            evidence=evidence,
            evidence_file=evidence_file,
            actor=request.user,  # type: ignore[arg-type]
        )
    except service.IndicatorError as refused:
        raise HttpError(400, str(refused)) from refused
    return _detail(indicator)


@api.post(
    "/indicators/{int:indicator_id}/measurements",
    response={200: IndicatorDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["indicators"],
    summary="Ghi số liệu một kỳ của chỉ tiêu",
    auth=api_auth("indicator.measure"),
)
def post_measurement(
    request: HttpRequest, payload: MeasurementIn, indicator_id: int
) -> dict[str, object]:
    return _record(
        request,
        _measurable(request, indicator_id),
        period=payload.period,
        measured_on=payload.measured_on,
        value=payload.value,
        source=payload.source,
        evidence=payload.evidence,
    )


@api.post(
    "/indicators/{int:indicator_id}/measurements-with-file",
    response={200: IndicatorDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["indicators"],
    summary="Ghi số liệu một kỳ kèm tệp minh chứng",
    description=(
        "multipart/form-data: `file` (PDF, Word, Excel, ảnh: cùng kiểm tra loại và dung lượng "
        "như trang chỉ tiêu), `period`, `measured_on` (YYYY-MM-DD), `value` (số viết kiểu "
        "Việt Nam như trên trang: 41,25 hoặc 2.430), `source`, `evidence`. Số liệu cùng ngày "
        "đã có thì được sửa và gắn tệp mới."
    ),
    auth=api_auth("indicator.measure"),
)
def post_measurement_with_file(
    request: HttpRequest,
    indicator_id: int,
    file: File[UploadedFile],
    period: Form[str],
    measured_on: Form[str],
    value: Form[str],
    source: Form[str],
    evidence: Form[str] = "",
) -> dict[str, object]:
    indicator = _measurable(request, indicator_id)
    errors: list[str] = []
    number: Decimal | None = None
    try:
        number = service.read_decimal(value[:30])
    except service.NumberInvalid as refused:
        errors.append(str(refused))
    else:
        if number is None:
            errors.append(_("Giá trị phải là một số (ví dụ 52,5)."))
    day: date | None = None
    try:
        day = date.fromisoformat(measured_on[:10])
    except ValueError:
        errors.append(_("Ngày tính số liệu không hợp lệ."))
    evidence_file: service.EvidenceFile | None = None
    try:
        evidence_file = service.evidence_upload(file.name or "", file, file.content_type)
    except UploadRejected as refused:
        errors.append(_("Tệp minh chứng: %(why)s") % {"why": "; ".join(refused.messages)})
    if errors:
        raise HttpError(400, " ".join(errors))
    return _record(
        request,
        indicator,
        period=period[:41],
        measured_on=day,  # type: ignore[arg-type]
        value=number,  # type: ignore[arg-type]
        source=source[:501],
        evidence=evidence[:501],
        evidence_file=evidence_file,
    )


@api.get(
    "/indicators/measurements/{int:measurement_id}/evidence",
    response={200: None, 404: ErrorOut},
    tags=["indicators"],
    summary="Tải tệp minh chứng của một số liệu",
    auth=api_auth("indicator.view"),
)
def get_measurement_evidence(request: HttpRequest, measurement_id: int) -> HttpResponseBase:
    measurement = (
        Measurement.objects.select_related("evidence_file", "indicator__agency")
        .filter(pk=measurement_id)
        .first()
    )
    # The indicator's province decides (provinces are tenants): 404 for another's.
    if (
        measurement is None
        or measurement.evidence_file is None
        or not policy.can(request.user, "indicator.view", measurement.indicator, when=False)
    ):
        raise HttpError(404, _("Số liệu này không có tệp minh chứng."))
    return storage.file_response(
        measurement.evidence_file, measurement.evidence_filename or "minh-chung"
    )


def _save(request: HttpRequest, indicator: Indicator | None, payload: IndicatorIn) -> Indicator:
    values = payload.dict()
    values["agency"] = Agency.objects.filter(pk=values.pop("agency_id")).first()
    try:
        return service.indicator_save(
            indicator=indicator,
            values=values,
            actor=request.user,  # type: ignore[arg-type]
        )
    except service.IndicatorError as refused:
        raise HttpError(400, str(refused)) from refused


@api.post(
    "/indicators",
    response={201: IndicatorDetailOut, 400: ErrorOut, 403: ErrorOut},
    tags=["indicators"],
    summary="Tạo chỉ tiêu",
    auth=api_auth("indicator.manage"),
)
def create_indicator(request: HttpRequest, payload: IndicatorIn) -> Status:
    indicator = _save(request, None, payload)
    return Status(201, _detail(_fresh(indicator.pk)))  # type: ignore[arg-type]


@api.put(
    "/indicators/{int:indicator_id}",
    response={200: IndicatorDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["indicators"],
    summary="Sửa chỉ tiêu",
    auth=api_auth("indicator.manage"),
)
def update_indicator(
    request: HttpRequest, payload: IndicatorIn, indicator_id: int
) -> dict[str, object]:
    indicator = _save(request, _visible(request, indicator_id), payload)
    return _detail(_fresh(indicator.pk))  # type: ignore[arg-type]

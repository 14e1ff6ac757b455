"""Feedback pages: the public form and lookup (no account), the province's and the
agencies' list and item page (route, answer, publish, reject), the attachments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from cchc.accounts import policy, tenancy
from cchc.accounts.policy import requires
from cchc.agencies.models import Agency
from cchc.audit.models import AuditRecord
from cchc.citizens import feedback as service
from cchc.citizens.feedback import FeedbackError, format_code, normalize_code
from cchc.citizens.models import Feedback, FeedbackAttachment, FeedbackType
from cchc.lib import calendar, storage
from cchc.lib.uploads import UploadRejected

HONEYPOT = "website"
NUL = gettext_lazy("Nội dung chứa ký tự không hợp lệ.")


def _messages(required: Any, too_long: Any) -> dict[str, Any]:
    return {"required": required, "max_length": too_long, "null_characters_not_allowed": NUL}


class FeedbackForm(forms.Form):
    type = forms.ModelChoiceField(
        label=gettext_lazy("Loại"),
        queryset=FeedbackType.objects.filter(is_active=True),
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Hãy chọn loại phản ánh, kiến nghị."),
            "invalid_choice": gettext_lazy("Hãy chọn loại phản ánh, kiến nghị."),
        },
    )
    regulation = forms.CharField(
        label=gettext_lazy("Quy định hành chính được phản ánh"),
        max_length=500,
        help_text=gettext_lazy("Tên thủ tục hoặc số, ký hiệu văn bản quy định, nếu biết."),
        error_messages=_messages(
            gettext_lazy("Hãy ghi quy định hành chính được phản ánh."),
            gettext_lazy("Tên quy định dài quá 500 ký tự."),
        ),
    )
    content = forms.CharField(
        label=gettext_lazy("Nội dung phản ánh, kiến nghị"),
        max_length=service.CONTENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_messages(
            gettext_lazy("Hãy ghi nội dung phản ánh, kiến nghị."),
            gettext_lazy("Nội dung dài quá 5000 ký tự; xin rút gọn hoặc gửi kèm tệp."),
        ),
    )
    sender_name = forms.CharField(
        label=gettext_lazy("Họ và tên (cá nhân) hoặc tên tổ chức"),
        max_length=200,
        error_messages=_messages(
            gettext_lazy("Hãy ghi họ và tên hoặc tên tổ chức."),
            gettext_lazy("Tên dài quá 200 ký tự."),
        ),
    )
    sender_phone = forms.RegexField(
        label=gettext_lazy("Số điện thoại"),
        regex=r"^[0-9+ ().-]{8,20}$",
        required=False,
        max_length=30,
        error_messages={
            "invalid": gettext_lazy("Số điện thoại chỉ gồm chữ số (8 đến 20 ký tự)."),
            "max_length": gettext_lazy("Số điện thoại chỉ gồm chữ số (8 đến 20 ký tự)."),
            "null_characters_not_allowed": NUL,
        },
    )
    sender_email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"),
        required=False,
        error_messages={
            "invalid": gettext_lazy("Địa chỉ thư điện tử không hợp lệ."),
            "null_characters_not_allowed": NUL,
        },
    )
    sender_address = forms.CharField(
        label=gettext_lazy("Địa chỉ liên hệ (không bắt buộc)"),
        max_length=300,
        required=False,
        error_messages=_messages("", gettext_lazy("Địa chỉ dài quá 300 ký tự.")),
    )
    province = forms.ModelChoiceField(
        label=gettext_lazy("Tỉnh nhận phản ánh"),
        queryset=Agency.objects.filter(kind=Agency.Kind.PROVINCE, parent__isnull=True),
        required=False,
        error_messages={
            "required": gettext_lazy("Hãy chọn tỉnh nhận phản ánh, kiến nghị."),
            "invalid_choice": gettext_lazy("Hãy chọn tỉnh nhận phản ánh, kiến nghị."),
        },
    )
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, several_provinces: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Provinces are tenants: with several in the installation the sender says which
        # province the item is for; with one, it is that one's (Feedback.save).
        self.fields["province"].required = several_provinces

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not self.errors
            and not cleaned.get("sender_phone", "").strip()
            and not cleaned.get("sender_email", "").strip()
        ):
            raise forms.ValidationError(
                _("Hãy ghi số điện thoại hoặc thư điện tử để cơ quan liên hệ khi cần.")
            )
        return cleaned


def _limited(request: HttpRequest, group: str) -> bool:
    return is_ratelimited(
        request,
        group=group,
        key="ip",
        rate=settings.CCHC_SURVEY_RATE,
        method=["POST", "GET"],
        increment=True,
    )


@require_http_methods(["GET", "POST"])
@requires("feedback.submit")
def feedback_form(request: HttpRequest) -> HttpResponse:
    service.feedback_types_ensure()
    provinces = tenancy.provinces()
    # Someone of a province's staff sending one sends it to their own province.
    own = tenancy.province_of(request.user)
    several = len(provinces) > 1 and own is None
    status = 200
    if request.method == "POST":
        if _limited(request, "cchc.feedback.submit"):
            return render(request, "citizens/too_many.html", {"place": None}, status=429)
        form = FeedbackForm(request.POST, several_provinces=several)
        if form.is_bot:
            # Silently, like the survey: a bot learns nothing it could adjust to.
            return redirect("feedback_lookup")
        attachments: list[service.Attachment] = []
        files = request.FILES.getlist("attachments")
        if len(files) > service.MAX_ATTACHMENTS:
            form.add_error(
                None, _("Chỉ gửi kèm tối đa %(n)s tệp.") % {"n": service.MAX_ATTACHMENTS}
            )
        else:
            for upload in files:
                try:
                    checked = service.attachment_check(
                        name=upload.name or "",
                        data=upload,
                        declared_type=upload.content_type,
                    )
                except UploadRejected as refused:
                    form.add_error(None, "; ".join(refused.messages))
                else:
                    upload.seek(0)
                    attachments.append(service.Attachment(checked, upload.read()))
        if form.is_valid():
            try:
                item = service.feedback_submit(
                    feedback_type=form.cleaned_data["type"],
                    regulation=form.cleaned_data["regulation"],
                    content=form.cleaned_data["content"],
                    sender_name=form.cleaned_data["sender_name"],
                    sender_phone=form.cleaned_data["sender_phone"],
                    sender_email=form.cleaned_data["sender_email"],
                    sender_address=form.cleaned_data["sender_address"],
                    attachments=attachments,
                    province=form.cleaned_data.get("province")
                    if several
                    else next((p for p in provinces if p.pk == own), None),
                )
            except FeedbackError as refused:
                form.add_error(None, str(refused))
            else:
                return render(request, "citizens/feedback_sent.html", {"item": item})
        status = 400
    else:
        # A province's public pages link here with ?tinh=<id>: that province is chosen.
        chosen = request.GET.get("tinh", "")
        form = FeedbackForm(
            initial={"province": int(chosen)} if chosen.isdigit() else {},
            several_provinces=several,
        )
    types = list(FeedbackType.objects.filter(is_active=True))
    return render(
        request,
        "citizens/feedback_form.html",
        {
            "form": form,
            "types": types,
            "max_files": service.MAX_ATTACHMENTS,
            "provinces": provinces if several else [],
        },
        status=status,
    )


@require_GET
@requires("feedback.lookup")
def feedback_lookup(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get("ma", "")[:40]
    item = None
    searched = bool(typed.strip())
    status = 200
    if searched:
        if _limited(request, "cchc.feedback.lookup"):
            return render(request, "citizens/too_many.html", {"place": None}, status=429)
        code = normalize_code(typed)
        item = (
            Feedback.objects.select_related("type", "agency")
            .only(
                "code",
                "status",
                "regulation",
                "received_on",
                "due_on",
                "answer",
                "answered_on",
                "published_on",
                "rejection_reason",
                # Read only to be taken out of what the page prints (service.public_text).
                "sender_name",
                "sender_phone",
                "sender_email",
                "sender_address",
                "type__name",
                "agency__name",
            )
            .filter(code=code)
            .first()
            if len(code) == service.CODE_LENGTH
            else None
        )
        if item is None:
            status = 404
    public = (
        {
            name: service.public_text(item, getattr(item, name))
            for name in ("regulation", "answer", "rejection_reason")
        }
        if item is not None
        else {}
    )
    return render(
        request,
        "citizens/feedback_lookup.html",
        {"typed": typed, "item": item, "public": public, "searched": searched},
        status=status,
    )


# ---------------------------------------------------------------------------
# For the province and the agencies


FILTERS = {
    "mo": lambda qs: qs.filter(status__in=Feedback.OPEN),
    "qua-han": lambda qs: qs.filter(service.overdue()),
    "da-tra-loi": lambda qs: qs.filter(
        status__in=(Feedback.Status.ANSWERED, Feedback.Status.PUBLISHED)
    ),
    "tat-ca": lambda qs: qs,
}


@require_GET
@requires("feedback.view")
def feedback_list(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("loc", "mo")
    if chosen not in FILTERS:
        chosen = "mo"
    qs = FILTERS[chosen](service.feedback_visible_to(request.user)).select_related("type", "agency")
    page = Paginator(qs.order_by("due_on", "pk"), 50).get_page(request.GET.get("trang"))
    return render(
        request,
        "citizens/feedback_list.html",
        {
            "page": page,
            "chosen": chosen,
            "filters": [
                ("mo", _("Đang mở")),
                ("qua-han", _("Quá hạn")),
                ("da-tra-loi", _("Đã trả lời")),
                ("tat-ca", _("Tất cả")),
            ],
            "today": calendar.today(),
        },
    )


def _item_for(request: HttpRequest, feedback_id: int) -> Feedback:
    return policy.get_for_user(
        request,
        Feedback.objects.select_related("type", "agency"),
        feedback_id,
        view="feedback.view",
    )


@require_http_methods(["GET", "POST"])
@requires("feedback.view")
def feedback_detail(request: HttpRequest, feedback_id: int) -> HttpResponse:
    item = _item_for(request, feedback_id)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "route":
                policy.require(user, "feedback.manage")
                agency_id = request.POST.get("agency", "")
                agency = (
                    policy.agencies_of_province(user).filter(pk=int(agency_id)).first()
                    if agency_id.isdigit() and len(agency_id) < 10
                    else None
                )
                if agency is None:
                    raise FeedbackError(_("Hãy chọn cơ quan xử lý."))
                service.feedback_route(item=item, agency=agency, actor=user)  # type: ignore[arg-type]
                messages.success(request, _("Đã chuyển đến %(agency)s.") % {"agency": agency.name})
            elif action == "start":
                policy.require(user, "feedback.answer", item, when=False)
                service.feedback_start(item=item, actor=user)  # type: ignore[arg-type]
                messages.success(request, _("Đã ghi nhận: cơ quan đang xử lý."))
            elif action == "answer":
                policy.require(user, "feedback.answer", item, when=False)
                service.feedback_answer(
                    item=item,
                    answer=request.POST.get("answer", "")[: service.ANSWER_MAX + 1],
                    actor=user,  # type: ignore[arg-type]
                )
                messages.success(request, _("Đã gửi trả lời; Văn phòng sẽ công khai."))
            elif action == "publish":
                policy.require(user, "feedback.manage")
                service.feedback_publish(item=item, actor=user)  # type: ignore[arg-type]
                messages.success(request, _("Đã công khai trả lời trên trang tra cứu."))
            elif action == "reject":
                policy.require(user, "feedback.manage")
                service.feedback_reject(
                    item=item,
                    reason=request.POST.get("reason", "")[:2001],
                    actor=user,  # type: ignore[arg-type]
                )
                messages.success(request, _("Đã ghi không tiếp nhận, kèm lý do."))
            else:
                raise FeedbackError(_("Không rõ thao tác cần làm."))
        except FeedbackError as refused:
            messages.error(request, str(refused))
            return _detail_page(request, _item_for(request, feedback_id), status=400)
        return redirect("feedback_detail", feedback_id=item.pk)
    return _detail_page(request, item)


def _detail_page(request: HttpRequest, item: Feedback, status: int = 200) -> HttpResponse:
    user = request.user
    history = AuditRecord.objects.filter(
        object_type="citizens.feedback", object_id=str(item.pk)
    ).order_by("at", "pk")
    return render(
        request,
        "citizens/feedback_detail.html",
        {
            "item": item,
            "code": format_code(item.code),
            "attachments": list(item.attachments.all()),
            "history": history,
            "can_manage": policy.can(user, "feedback.manage"),
            "can_answer": policy.can(user, "feedback.answer", item),
            "agencies": list(
                Agency.objects.filter(closed_on__isnull=True)
                .order_by("sort_name")
                .only("pk", "name")
            )
            if policy.can(user, "feedback.manage") and item.status in ("received", "routed")
            else [],
            "today": calendar.today(),
        },
        status=status,
    )


@require_GET
@requires("feedback.view")
def feedback_attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = get_object_or_404(
        FeedbackAttachment.objects.select_related("feedback", "stored"), pk=attachment_id
    )
    if not policy.can(request.user, "feedback.view", attachment.feedback, when=False):
        raise Http404
    return storage.file_response(attachment.stored, attachment.filename)  # type: ignore[return-value]


def lookup_url(code: str) -> str:
    return reverse("feedback_lookup") + "?ma=" + format_code(code)

"""The English catalogue, and who gets which language.

The interface is written in Vietnamese; cchc/locale/en/LC_MESSAGES/django.po holds its
English. These tests keep that catalogue complete, translated, compiled and faithful to
its placeholders, and check that English appears only for those who choose it.

After adding or changing a user-visible string, refresh, translate and compile:

    SECRET_KEY=x .venv/bin/python -m django makemessages --settings cchc.settings \\
        -l en -e html,txt,py,svg --add-location file --no-obsolete \\
        -i .venv -i tests -i var -i scripts -i build -i '*.egg-info'
    # translate the new entries of cchc/locale/en/LC_MESSAGES/django.po, then:
    SECRET_KEY=x .venv/bin/python -m django compilemessages --settings cchc.settings \\
        -l en -i .venv -i var

and commit both django.po and django.mo (users need no GNU gettext to run cchc).
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from cchc.accounts.models import User
from cchc.agencies.models import Agency, AgencyGroup
from cchc.plans.models import Plan

PACKAGE = Path(__file__).resolve().parent.parent / "cchc"
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
EXTENSIONS = ["html", "txt", "py", "svg"]

# Labels of the interface chrome that a page in English must not show. None of them
# occurs in the test data (plan, task and agency names), so any hit is untranslated UI.
VIETNAMESE_UI = [
    "Đăng nhập",
    "Đăng xuất",
    "Mật khẩu",
    "Tên đăng nhập",
    "Tìm kiếm",
    "Bảng điều khiển",
    "Thông báo",
    "Công khai",
    "Cần xác định ngày",
    "Lọc nhiệm vụ",
    "Xóa lọc",
    "Tải phụ lục",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Thời gian hoàn thành",
    "Kết quả/Sản phẩm",
    "Việc cần báo cáo",
    "Kỳ báo cáo",
    "Tiến độ chung",
    "Việc quá hạn",
    "Sắp đến hạn",
    "Cách tính",
    "Bỏ qua, đến nội dung chính",
]


# ---------------------------------------------------------------------------
# Reading a .po file


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def read_po(path: Path) -> list[Entry]:
    """Every entry of a .po file, the header included; obsolete (#~) entries are skipped.

    gettext's tools write one entry per paragraph, so paragraphs are entries.
    """
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines or all(line.startswith("#") for line in lines):
            continue
        entry = Entry()
        target: tuple[str, int] | None = None
        for line in lines:
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := _KEYWORD.match(line):
                name, index, text = match.groups()
                target = ("msgstr", int(index or 0)) if name.startswith("msgstr") else (name, 0)
                _append(entry, target, ast.literal_eval(text))
            elif line.startswith('"') and target is not None:
                _append(entry, target, ast.literal_eval(line))
            else:
                raise AssertionError(f"{path}: cannot read {line!r} in\n{block}")
        entries.append(entry)
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    name, index = target
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text)


def messages(path: Path) -> list[Entry]:
    """The entries without the header."""
    return [e for e in read_po(path) if e.msgid or e.msgctxt]


def header(path: Path) -> Entry:
    first = read_po(path)[0]
    assert first.msgid == "" and first.msgctxt is None, "the header must come first"
    return first


# ---------------------------------------------------------------------------
# (a) Everything is translated, nothing is fuzzy


def test_the_catalogue_exists_and_is_for_english() -> None:
    assert PO.is_file(), f"{PO} is missing"
    meta = header(PO).msgstr[0]
    assert "Language: en\n" in meta
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in meta
    assert "charset=UTF-8" in meta
    assert len(messages(PO)) > 500


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    untranslated, fuzzy = [], []
    for entry in read_po(PO):
        if "fuzzy" in entry.flags:
            fuzzy.append(entry.msgid or "(header)")
        if not (entry.msgid or entry.msgctxt):
            continue
        forms = 2 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)) or not all(
            text.strip() for text in entry.msgstr.values()
        ):
            untranslated.append(entry.msgid)
    assert not fuzzy, f"fuzzy entries in {PO.name}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {PO.name}: {untranslated}"


# ---------------------------------------------------------------------------
# (b) The committed .mo is the compiled .po


def _catalogue_of_po(entries: list[Entry]) -> dict[Any, str]:
    """The po entries keyed the way Python's gettext keys a compiled catalogue."""
    catalogue: dict[Any, str] = {}
    for entry in entries:
        msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            catalogue[msgid] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                catalogue[(msgid, index)] = text
    return catalogue


def test_the_compiled_catalogue_is_up_to_date() -> None:
    assert MO.is_file(), f"{MO} is missing: run compilemessages and commit it"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    in_mo = {k: v for k, v in compiled._catalog.items() if k != ""}  # type: ignore[attr-defined]
    in_po = _catalogue_of_po(messages(PO))
    stale = sorted(str(k) for k in in_po.keys() - in_mo.keys())
    extra = sorted(str(k) for k in in_mo.keys() - in_po.keys())
    changed = sorted(str(k) for k in in_po.keys() & in_mo.keys() if in_po[k] != in_mo[k])
    assert not (stale or extra or changed), (
        f"{MO.name} does not match {PO.name}; run compilemessages. "
        f"Missing from .mo: {stale[:5]}; only in .mo: {extra[:5]}; different: {changed[:5]}"
    )
    assert compiled.info().get("language") == "en"


# ---------------------------------------------------------------------------
# (c) Every marked string of the code and templates is in the catalogue


def test_every_marked_string_is_in_the_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        reason = "GNU gettext (xgettext) is not installed: apt-get install gettext"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    # makemessages writes next to the sources it reads, so it reads a copy: the committed
    # catalogue is never touched. A fresh catalogue has every msgid the code marks today.
    copy = tmp_path / "cchc"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = []
    monkeypatch.chdir(tmp_path)
    call_command(
        "makemessages",
        locale=["en"],
        extensions=EXTENSIONS,
        add_location="file",
        verbosity=0,
    )
    fresh = {e.key for e in messages(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")}
    committed = {e.key for e in messages(PO)}
    assert len(fresh) > 500, "makemessages found suspiciously few strings"
    missing = sorted(fresh - committed, key=lambda k: (k[0] or "", k[1]))
    assert not missing, (
        f"{len(missing)} marked strings are not in {PO.name}; run makemessages, translate "
        f"them and compilemessages (see this module's docstring): {missing[:10]}"
    )


# ---------------------------------------------------------------------------
# (f) A translation keeps the placeholders and the markup of its source

_PYTHON_FORMAT = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrs%]")
_BRACE_FORMAT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def placeholders(text: str) -> Counter[str]:
    return Counter(_PYTHON_FORMAT.findall(text) + _BRACE_FORMAT.findall(text) + _TAG.findall(text))


def test_placeholders_and_markup_survive_translation() -> None:
    wrong = []
    for entry in messages(PO):
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 else (entry.msgid_plural or entry.msgid)
            if placeholders(text) != placeholders(source):
                wrong.append((source, text))
    assert not wrong, f"placeholders or tags differ: {wrong[:5]}"


def test_the_placeholder_check_sees_a_lost_placeholder() -> None:
    assert placeholders("Còn %(days)s ngày") != placeholders("days left")
    assert placeholders("<strong>%(name)s</strong>") != placeholders("%(name)s")
    assert placeholders("%(s).1f giây") == placeholders("%(s).1f seconds")


# ---------------------------------------------------------------------------
# (d), (e) Vietnamese for everyone; English for whoever chooses it


class Chrome(HTMLParser):
    """The text of the interface itself: labels, buttons, headers, navigation, hints."""

    TAGS = {"label", "button", "th", "legend", "summary", "dt", "title", "nav"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"placeholder", "aria-label", "data-label"} and value:
                self.texts.append(value)
        if tag in self.TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        if self.open and data.strip():
            self.texts.append(data.strip())


def vietnamese_chrome(content: str, data: set[str]) -> list[str]:
    """Interface texts that still have Vietnamese letters, leaving out the known data."""
    parser = Chrome()
    parser.feed(content)
    vietnamese = re.compile(r"[À-ỹĐđ]")
    return [t for t in parser.texts if vietnamese.search(t) and not any(d in t for d in data)]


def _data_names(plan: Plan) -> set[str]:
    """Names that are data, not interface: agencies, the plan, its areas and tasks."""
    names = set(Agency.objects.values_list("name", flat=True))
    names |= set(AgencyGroup.objects.values_list("name", flat=True))
    names |= set(User.objects.values_list("full_name", flat=True)) - {""}
    names |= {plan.title, plan.issuer}
    names |= set(plan.areas.values_list("title", flat=True))
    names |= set(plan.tasks.values_list("title", flat=True))
    names |= set(plan.activities.values_list("title", flat=True))
    names |= set(plan.activities.values_list("deadline", flat=True)) - {""}
    names |= set(plan.periods.values_list("name", flat=True))
    return names


def _html(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def choose(client: Client, language: str) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/"})
    assert response.status_code == 302
    assert client.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == language


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese(client: Client, login, plan: Plan) -> None:
    english = {"accept-language": "en-US,en;q=0.9"}
    response = client.get(reverse("login"), headers=english)
    content = response.content.decode()
    assert '<html lang="vi">' in content
    assert "Đăng nhập" in content and "Mật khẩu" in content
    assert "Sign in" not in content and "Password" not in content
    assert response["Content-Language"] == "vi"

    # Open: the table's headers are written once an area is (the page opens folded).
    opened = reverse("plan_detail", args=[plan.pk]) + "?open=all"
    content = _html(login("officer_a"), opened, **english)
    assert '<html lang="vi">' in content
    assert "Đăng xuất" in content and "Cơ quan chủ trì" in content
    assert "Sign out" not in content and "Lead agency" not in content


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_vietnamese(client: Client) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "xx"
    content = _html(client, reverse("login"), **{"accept-language": "en"})
    assert '<html lang="vi">' in content and "Đăng nhập" in content


@pytest.mark.django_db
def test_the_login_page_is_in_english_once_english_is_chosen(client: Client) -> None:
    choose(client, "en")
    response = client.get(reverse("login"))
    content = response.content.decode()
    assert '<html lang="en">' in content
    for word in ["Sign in", "Username", "Password", "Administrative reform plan tracking"]:
        assert word in content, word
    assert not [w for w in VIETNAMESE_UI if w in content]
    assert not vietnamese_chrome(content, set())
    assert response["Content-Language"] == "en"
    assert "Cookie" in response["Vary"]

    # And back: the switch works both ways.
    choose(client, "vi")
    assert '<html lang="vi">' in _html(client, reverse("login"))


@pytest.mark.django_db
def test_key_pages_are_in_english_once_english_is_chosen(
    login, plan: Plan, agencies: dict[str, Agency]
) -> None:
    officer = login("officer_a")
    choose(officer, "en")
    data = _data_names(plan)
    pages = {
        reverse("plan_detail", args=[plan.pk]) + "?open=all": [
            "Sign out",
            "Plans",
            "Agencies",
            "Lead agency",
            "Cooperating agencies",
            "Timeframe",
            "Download appendix (XLSX)",
            "Filter tasks",
        ],
        reverse("report_worklist"): ["Work to report on", "Reporting period", "overdue"],
        reverse("dashboard_agency", args=[agencies["a"].pk]): [
            "Agency's overall progress",
            "Assignments",
            "Download the agency's progress table (XLSX)",
        ],
    }
    for url, words in pages.items():
        content = _html(officer, url)
        assert '<html lang="en">' in content, url
        missing = [w for w in words if w not in content]
        assert not missing, (url, missing)
        leftovers = [w for w in VIETNAMESE_UI if w in content]
        assert not leftovers, (url, leftovers)
        assert not vietnamese_chrome(content, data), (url, vietnamese_chrome(content, data))


@pytest.mark.django_db
def test_the_province_dashboard_is_in_english_once_english_is_chosen(login, plan: Plan) -> None:
    coordinator = login("coordinator")
    choose(coordinator, "en")
    content = _html(coordinator, reverse("dashboard_province"))
    for word in ["Progress dashboard", "Progress by area", "Overall plan progress", "Method"]:
        assert word in content, word
    assert not [w for w in VIETNAMESE_UI if w in content]
    data = _data_names(plan)
    assert not vietnamese_chrome(content, data), vietnamese_chrome(content, data)


@pytest.mark.django_db
def test_documents_for_the_province_stay_vietnamese_in_english(login, plan: Plan) -> None:
    coordinator = login("coordinator")
    choose(coordinator, "en")
    # Written by a background job, which works in Vietnamese whoever asks.
    job = coordinator.get(reverse("status_table_export") + f"?plan={plan.pk}")["Location"]
    response = coordinator.get(job + "file/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    titles = [sheet.cell(row=r, column=1).value or "" for r in range(1, 5)]
    assert any("BẢNG TỔNG HỢP TIẾN ĐỘ" in t for t in titles), titles
    assert not any("SUMMARY" in t for t in titles), titles

    job = coordinator.get(reverse("plan_export", args=[plan.pk, "xlsx"]))["Location"]
    assert "Plan appendix (Excel)" in coordinator.get(job).content.decode()  # the page: English
    response = coordinator.get(job + "file/")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert "Phụ lục" in workbook.sheetnames


@pytest.mark.django_db
def test_a_request_gives_the_thread_its_language_back(login, plan: Plan) -> None:
    """The visitor's language lasts as long as their response, streamed body included;
    whatever runs next in the thread (a command serving pages in-process, a job, the next
    test) keeps its own language."""
    from django.utils import translation

    coordinator = login("coordinator")
    choose(coordinator, "en")
    with translation.override("vi"):
        assert '<html lang="en">' in _html(coordinator, reverse("plan_list"))
        assert translation.get_language() == "vi"
        assert translation.gettext("tep") == "tep"

        response = coordinator.get(reverse("dashboard_province_csv", args=["groups"]))
        assert response.status_code == 200
        header = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]  # type: ignore[attr-defined]
        assert header.startswith("Agency group"), header
        assert translation.get_language() == "vi"

    with translation.override("en"):
        anonymous = Client()
        assert '<html lang="vi">' in _html(anonymous, reverse("login"))
        assert translation.get_language() == "en"

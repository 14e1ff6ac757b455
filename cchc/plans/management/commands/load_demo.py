"""`cchc load_demo`: the built-in Quảng Trị 2022 plan, its agencies and demo accounts,
Sở Tư pháp's own plan and a district's draft (`cchc.plans.demo_agency_plans`), and the
progress reports of the plan's first half-year (`cchc.monitoring.demo`).

Idempotent: run it again and nothing is duplicated.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cchc.accounts.services import DEMO_PASSWORD, user_create_demo_accounts
from cchc.agencies.eras import era_of_year
from cchc.agencies.services import load_units, reference_path, reference_province
from cchc.citizens.demo import demo_surveys_fill
from cchc.citizens.demo_feedback import demo_feedback_fill, demo_indicators_fill
from cchc.lib import calendar
from cchc.monitoring.demo import demo_progress_fill
from cchc.plans.demo_agency_plans import demo_agency_plans
from cchc.plans.formats.jsonfmt import read_json
from cchc.plans.interchange import PlanImportError
from cchc.plans.services import DATA_DIR, plan_import, plan_issued_as

PROVINCE = "quang-tri"
PLAN = "quang-tri-2022"


class Command(BaseCommand):
    help = "Nạp kế hoạch CCHC năm 2022 của tỉnh Quảng Trị, các cơ quan và tài khoản mẫu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-accounts", action="store_true")
        parser.add_argument(
            "--without-reports",
            action="store_true",
            help="Không tạo báo cáo tiến độ mẫu của 6 tháng đầu năm.",
        )

    def step(self, number: int, message: str) -> None:
        """A line before each step, so that a minute's work is not a minute of silence."""
        if self.verbosity >= 1:
            total = 3 if self.without_reports else 4
            self.stdout.write(
                _("Bước %(number)s/%(total)s: %(message)s")
                % {"number": number, "total": total, "message": message}
            )
            self.stdout.flush()

    def agencies_done(self, done: int, total: int) -> None:
        # About ten lines for the whole fill, whatever the number of agencies.
        if self.verbosity >= 1 and (done == total or done % max(1, total // 10) == 0):
            self.stdout.write(
                _("  … %(done)s/%(total)s cơ quan (%(percent)s%%)")
                % {"done": done, "total": total, "percent": done * 100 // total}
            )
            self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        self.without_reports = bool(options["without_reports"])
        self.step(1, _("nạp danh mục cơ quan, đơn vị hành chính…"))
        document = read_json((DATA_DIR / f"{PLAN}.json").read_bytes())
        header = document.header
        # The plan names the units of its own year: 2022 gives the pre-2025 era.
        counts = load_units(era=era_of_year(header.year or 2022), path=reference_path(PROVINCE))
        self.stdout.write(
            _("Cơ quan: %(agencies)s (%(districts)s đơn vị cấp huyện, %(communes)s cấp xã).")
            % counts
        )
        # The demo's province: its plan number and its groups' codes are unique only
        # within it (docs/tenants.md), so every look-up below says which province.
        province = reference_province(reference_path(PROVINCE))
        province_id = province.pk if province is not None else None
        self.step(2, _("nạp kế hoạch %(number)s…") % {"number": header.number})
        plan = plan_issued_as(issuer=header.issuer, number=header.number, province_id=province_id)
        if plan is not None:
            self.stdout.write(_("Kế hoạch %(number)s đã có.") % {"number": header.number})
        else:
            try:
                plan = plan_import(document=document, province=province)
            except PlanImportError as error:
                for issue in error.issues:
                    self.stderr.write(f"- {issue}")
                raise CommandError(_("Dữ liệu kế hoạch mẫu có lỗi.")) from None
            self.stdout.write(
                _("Đã nạp «%(plan)s»: %(tasks)s nhiệm vụ, %(activities)s hoạt động.")
                % {
                    "plan": plan.title,
                    "tasks": plan.tasks.count(),
                    "activities": plan.activities.count(),
                }
            )
        self.step(3, _("tạo tài khoản mẫu…"))
        accounts = user_create_demo_accounts()
        unit_account = None
        if not options["without_reports"]:
            self.step(4, _("tạo báo cáo tiến độ mẫu 6 tháng đầu năm…"))
            # Sở Tư pháp's own plan (issued) and a district's (draft), by their people.
            made = demo_agency_plans(plan)
            unit_account = made.account
            if made.department is not None:
                self.stdout.write(
                    _("Kế hoạch của cơ quan: %(department)s (%(status)s).")
                    % {
                        "department": made.department.title,
                        "status": made.department.get_status_display(),
                    }
                )
            # After the accounts: the agencies whose people can log in get a bit of everything.
            states = demo_progress_fill(plan, progress=self.agencies_done)
            if states:
                self.stdout.write(
                    _(
                        "Báo cáo tiến độ mẫu 6 tháng đầu năm: %(approved)s đã duyệt, "
                        "%(submitted)s chờ duyệt, %(returned)s bị trả lại, %(draft)s bản nháp."
                    )
                    % {
                        state: states[state]
                        for state in ("approved", "submitted", "returned", "draft")
                    }
                )
            # The year's satisfaction surveys belong to the same demonstration.
            surveys = demo_surveys_fill(plan.year)
            if surveys is not None:
                self.stdout.write(
                    _(
                        "Phiếu khảo sát hài lòng mẫu năm %(year)s: %(responses)s phiếu ở "
                        "%(agencies)s cơ quan; %(below)s cơ quan chưa đủ mẫu để công bố."
                    )
                    % {"year": plan.year, **surveys.__dict__}
                )
            # Feedback in every state and the plan's targets with measured values.
            feedback = demo_feedback_fill(calendar.today())
            indicators, measurements = demo_indicators_fill(calendar.today())
            self.stdout.write(
                _(
                    "Phản ánh, kiến nghị mẫu: %(feedback)s; chỉ tiêu của kế hoạch: "
                    "%(indicators)s, với %(measurements)s số liệu đo."
                )
                % {"feedback": feedback, "indicators": indicators, "measurements": measurements}
            )
            # Sở Tư pháp's official reports: quý I sent, 6 tháng drafted (cchc.official).
            from cchc.official.demo import demo_official_reports

            official = demo_official_reports(plan)
            if official.draft is not None:
                self.stdout.write(
                    _("Báo cáo CCHC định kỳ mẫu: %(report)s (%(state)s).")
                    % {"report": official.draft, "state": official.draft.get_state_display()}
                )
        # The PAR INDEX sets of the plan's year for the province's groups (cchc.par).
        from cchc.par.services import default_sets_load

        for line in default_sets_load(header.year or 2022, province=province):
            self.stdout.write(line)
        from cchc.par.demo import demo_par_fill

        par = demo_par_fill(province)
        if par is not None:
            self.stdout.write(
                _(
                    "PAR INDEX mẫu: đợt 2021 đã công bố kết quả của %(published)s cơ quan; "
                    "đợt 2022 đang thẩm định %(in_appraisal)s phiếu."
                )
                % par.__dict__
            )
        if not options["quiet_accounts"]:
            self.stdout.write(_("Tài khoản mẫu (mật khẩu chung: %(pw)s):") % {"pw": DEMO_PASSWORD})
            for account in accounts:
                self.stdout.write(
                    f"  {account.username:<16} {account.role.label}"
                    + (f" – {account.agency_name}" if account.agency_name else "")
                )
            # The phòng's officer of Sở Tư pháp's own plan (docs/agency-plans.md).
            for account in [unit_account] if unit_account else []:
                self.stdout.write(
                    f"  {account.username:<16} {account.role.label} – {account.agency_name}"
                    + _(" (Sở Tư pháp)")
                )

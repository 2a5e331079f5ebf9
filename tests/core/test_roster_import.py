"""Roster import: preview, located errors, all-or-nothing commit, idempotent re-import."""

from __future__ import annotations

import datetime as dt

import pytest

from core import services
from core.models import (
    AuditEvent,
    Enrolment,
    Membership,
    RosterImport,
    SchoolClass,
    User,
)
from core.roster import RosterFileError, read_roster
from tests import factories
from tests.core.rosters import GOOD_ROWS, csv_bytes, date, with_wrong_dimension, xlsx_bytes
from tests.fixtures import fixture_path

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "memberships": Membership.objects.count(),
        "classes": SchoolClass.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def preview(world, content: bytes, filename: str = "danh-sach.csv"):
    return services.preview_roster_import(
        world.a.admin, school=world.a.school, filename=filename, content=content
    )


def do_import(world, content: bytes, filename: str = "danh-sach.csv") -> dict:
    upload, plan, error = preview(world, content, filename)
    assert error is None, error
    assert plan is not None
    assert plan.ok, plan.problems
    return services.commit_roster_import(world.a.admin, upload)


def class_of(national_id: str) -> list[str]:
    return sorted(
        Enrolment.objects.filter(student__national_id=national_id).values_list(
            "school_class__name", flat=True
        )
    )


class TestGoodFile:
    @pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
    def test_imports_students_creates_classes_and_enrols(self, world, make):
        filename = "ds.csv" if make is csv_bytes else "ds.xlsx"
        upload, plan, error = preview(world, make(GOOD_ROWS), filename)
        assert error is None
        assert plan is not None
        assert plan.problems == []
        assert plan.counts() == {"create": 3, "update": 0, "unchanged": 0}
        assert plan.new_classes == ["11A2"]  # 10A1 already exists at school A
        before = counts()

        summary = services.commit_roster_import(world.a.admin, upload)

        assert summary["create"] == 3
        after = counts()
        assert after["users"] - before["users"] == 3
        assert after["enrolments"] - before["enrolments"] == 3
        assert after["memberships"] - before["memberships"] == 3
        assert after["classes"] - before["classes"] == 1
        an = User.objects.get(national_id="079210000001")
        assert an.username == "079210000001"
        assert an.full_name == "Nguyễn Văn An"
        assert an.date_of_birth == dt.date(2011, 9, 5)
        assert an.gender == "M"
        assert not an.has_usable_password()
        assert User.objects.get(national_id="079310000002").gender == "F"
        assert class_of("079210000001") == ["10A1"]
        assert class_of("001210000003") == ["11A2"]
        new_class = SchoolClass.objects.get(name="11A2")
        assert (new_class.school, new_class.grade) == (world.a.school, 11)
        assert Membership.objects.filter(
            user=an, organisation=world.a.school, role="student"
        ).exists()
        actions = list(
            AuditEvent.objects.filter(actor=world.a.admin)
            .order_by("action")
            .values_list("action", flat=True)
        )
        assert actions == [
            "class.create",
            *["class.enrol"] * 3,
            "role.grant",
            "role.grant",
            "role.grant",
            "roster.import",
            *["user.create"] * 3,
        ]
        assert RosterImport.objects.get(pk=upload.pk).status == "committed"

    def test_reimporting_the_same_file_changes_nothing(self, world):
        content = csv_bytes(GOOD_ROWS)
        do_import(world, content)
        before = counts()
        snapshot = list(User.objects.order_by("pk").values())

        upload, plan, _error = preview(world, content)
        assert plan is not None
        assert plan.counts() == {"create": 0, "update": 0, "unchanged": 3}
        assert plan.new_classes == []
        services.commit_roster_import(world.a.admin, upload)

        assert counts() == before
        assert list(User.objects.order_by("pk").values()) == snapshot

    def test_same_people_from_xlsx_after_csv_are_unchanged(self, world):
        do_import(world, csv_bytes(GOOD_ROWS))
        before = counts()
        summary = do_import(world, xlsx_bytes(GOOD_ROWS), "ds.xlsx")
        assert (summary["create"], summary["update"], summary["unchanged"]) == (0, 0, 3)
        assert counts() == before

    def test_updated_file_changes_exactly_the_changed_rows(self, world):
        do_import(world, csv_bytes(GOOD_ROWS))
        changed = [
            ("079210000001", "Nguyễn Văn Ân", "05/09/2011", "Nam", "10A1"),  # renamed
            ("079310000002", "Trần Thị Bích Ngọc", "12/01/2011", "Nữ", "11A2"),  # moved
            GOOD_ROWS[2],
        ]
        before = counts()
        untouched = User.objects.get(national_id="001210000003")

        summary = do_import(world, csv_bytes(changed))

        assert (summary["create"], summary["update"], summary["unchanged"]) == (0, 2, 1)
        assert User.objects.get(national_id="079210000001").full_name == "Nguyễn Văn Ân"
        assert class_of("079310000002") == ["11A2"]
        assert class_of("079210000001") == ["10A1"]
        after = counts()
        assert after["users"] == before["users"]
        assert after["enrolments"] == before["enrolments"]
        assert after["classes"] == before["classes"]
        new_events = AuditEvent.objects.filter(pk__gt=self._last_event_before(before))
        assert sorted(new_events.values_list("action", flat=True)) == [
            "class.enrol",
            "class.unenrol",
            "roster.import",
            "user.update",
        ]
        rename = new_events.get(action="user.update")
        assert rename.before == {
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "2011-09-05",
            "gender": "M",
        }
        assert rename.after is not None
        assert rename.after["full_name"] == "Nguyễn Văn Ân"
        untouched_now = User.objects.get(pk=untouched.pk)
        assert untouched_now.full_name == untouched.full_name

    @staticmethod
    def _last_event_before(before: dict[str, int]) -> int:
        return AuditEvent.objects.order_by("pk").values_list("pk", flat=True)[before["audit"] - 1]

    def test_numeric_excel_ids_get_their_leading_zeros_back(self, world):
        rows = [
            (79210000001, "Nguyễn Văn An", dt.datetime(2011, 9, 5), "Nam", "10A1"),
            (1210000003, "Lê Hoàng Đức", dt.datetime(2010, 12, 30), "nam", "11a2"),
            (79210000004.0, "Phạm Thu Hà", "01/02/2011", "NỮ", "10 A1"),
        ]
        summary = do_import(world, xlsx_bytes(rows), "ds.xlsx")
        assert summary["create"] == 3
        assert User.objects.get(national_id="079210000001").date_of_birth == dt.date(2011, 9, 5)
        assert class_of("001210000003") == ["11A2"]
        assert User.objects.get(national_id="079210000004").gender == "F"
        assert class_of("079210000004") == ["10A1"]

    def test_a_short_number_is_not_padded_into_a_valid_id(self, world):
        rows, problems = read_roster(
            "ds.xlsx", xlsx_bytes([(12345, "Nguyễn Văn An", "05/09/2011", "Nam", "10A1")])
        )
        assert rows == []
        assert [p.as_dict() for p in problems] == [
            {
                "row": 5,
                "column": "Mã định danh",
                "message": "Mã định danh “12345” phải gồm đúng 12 chữ số.",
            }
        ]

    def test_xlsx_with_a_wrong_stored_size_is_read_completely(self, world):
        content = with_wrong_dimension(xlsx_bytes(GOOD_ROWS))
        rows, problems = read_roster("ds.xlsx", content)
        assert problems == []
        assert [(r.row, r.national_id, r.class_name) for r in rows] == [
            (5, "079210000001", "10A1"),
            (6, "079310000002", "10A1"),
            (7, "001210000003", "11A2"),
        ]

    @pytest.mark.parametrize(
        "options",
        [
            {"delimiter": ";"},
            {"delimiter": "\t", "encoding": "utf-16"},
            {"title": False},
        ],
        ids=["semicolon", "utf16-tab", "no-title"],
    )
    def test_csv_variants_read_the_same_people(self, options):
        rows, problems = read_roster("ds.csv", csv_bytes(GOOD_ROWS, **options))
        assert problems == []
        assert [
            (r.national_id, r.full_name, r.date_of_birth, r.gender, r.class_name) for r in rows
        ] == [
            ("079210000001", "Nguyễn Văn An", date("05/09/2011"), "M", "10A1"),
            ("079310000002", "Trần Thị Bích Ngọc", date("12/01/2011"), "F", "10A1"),
            ("001210000003", "Lê Hoàng Đức", date("30/12/2010"), "M", "11A2"),
        ]

    def test_decomposed_unicode_names_match_the_stored_ones(self, world):
        import unicodedata

        do_import(world, csv_bytes(GOOD_ROWS))
        decomposed = unicodedata.normalize("NFD", csv_bytes(GOOD_ROWS).decode("utf-8-sig"))
        _upload, plan, _error = preview(world, decomposed.encode())
        assert plan is not None
        assert plan.counts() == {"create": 0, "update": 0, "unchanged": 3}


BAD_ROWS = [
    ("07921000001", "Nguyễn Văn An", "05/09/2011", "Nam", "10A1"),  # 5: 11 digits
    ("079210000002", "Trần Thị Bình", "31/02/2011", "Nữ", "10A1"),  # 6: no such date
    ("079210000002", "Lê Văn Cường", "01/01/2011", "Nam", "10A1"),  # 7: duplicate id
    ("079210000004", "Phạm Thu Dung", "01/01/2011", "Gái", "10A1"),  # 8: bad gender
    ("079210000005", "Đỗ Minh Đức", "01/01/2011", "Nam", "Mười A"),  # 9: bad class
    ("079210000006", "Võ Thị Em", "01/01/2011", "Nữ", "6A1"),  # 10: grade 6 at a THPT
    ("079210000007", "Hồ Văn Giang", "", "Nam", "10A1"),  # 11: no date
    ("079210000008", "Ngô Thị 2 Hà", "01/01/2011", "Nữ", "10A1"),  # 12: digit in name
    ("079210000009", "Bùi Văn Khoa", "01/01/2011", "Nam", "10A1"),  # 13: good
]
EXPECTED_PROBLEMS = [
    {
        "row": 5,
        "column": "Mã định danh",
        "message": "Mã định danh “07921000001” phải gồm đúng 12 chữ số.",
    },
    {
        "row": 6,
        "column": "Ngày sinh",
        "message": "Ngày sinh “31/02/2011” không đúng dạng ngày/tháng/năm.",
    },
    {
        "row": 7,
        "column": "Mã định danh",
        "message": "Mã định danh 079210000002 trùng với dòng 6.",
    },
    {
        "row": 8,
        "column": "Giới tính",
        "message": "Giới tính “Gái” phải là Nam hoặc Nữ.",
    },
    {
        "row": 9,
        "column": "Lớp",
        "message": "Tên lớp “MƯỜIA” không hợp lệ (ví dụ: 10A1).",
    },
    {
        "row": 10,
        "column": "Lớp",
        "message": "Lớp 6A1 (khối 6) không thuộc cấp học của trường Trường THPT Lê Lợi.",
    },
    {"row": 11, "column": "Ngày sinh", "message": "Thiếu ngày sinh."},
    {"row": 12, "column": "Họ và tên", "message": "Họ và tên “Ngô Thị 2 Hà” không hợp lệ."},
]


class TestBadFile:
    @pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
    def test_every_bad_row_is_reported_with_row_column_and_reason(self, world, make):
        filename = "ds.csv" if make is csv_bytes else "ds.xlsx"
        _upload, plan, error = preview(world, make(BAD_ROWS), filename)
        assert error is None
        assert plan is not None
        assert [p.as_dict() for p in plan.problems] == EXPECTED_PROBLEMS

    def test_nothing_is_written_when_any_row_is_bad(self, world):
        before = counts()
        upload, plan, _error = preview(world, csv_bytes(BAD_ROWS))
        assert plan is not None
        assert not plan.ok
        with pytest.raises(services.RosterCommitError) as caught:
            services.commit_roster_import(world.a.admin, upload)
        assert str(caught.value) == "Tệp còn 8 lỗi, chưa nhập gì."
        assert counts() == before
        assert not User.objects.filter(national_id="079210000009").exists()
        assert RosterImport.objects.get(pk=upload.pk).status == "previewed"

    def test_student_enrolled_at_another_school_this_year_is_a_conflict(self, world):
        elsewhere = world.b.student
        rows = [(elsewhere.national_id, elsewhere.full_name, "02/03/2010", "Nữ", "10A1")]
        before = counts()
        upload, plan, _error = preview(world, csv_bytes(rows))
        assert plan is not None
        assert [p.as_dict() for p in plan.problems] == [
            {
                "row": 5,
                "column": "Mã định danh",
                "message": f"Học sinh {elsewhere.national_id} đang học lớp 10B1 ở trường khác "
                "trong năm học này; cần làm thủ tục chuyển trường trước.",
            }
        ]
        with pytest.raises(services.RosterCommitError):
            services.commit_roster_import(world.a.admin, upload)
        assert counts() == before
        assert class_of(elsewhere.national_id) == ["10B1"]

    def test_a_conflict_that_appears_after_the_preview_stops_the_commit(self, world):
        upload, plan, _error = preview(world, csv_bytes(GOOD_ROWS))
        assert plan is not None
        assert plan.ok
        # Between preview and commit, school B enrols one of the pupils.
        pupil = factories.StudentFactory(
            national_id="079210000001", username="079210000001", full_name="Nguyễn Văn An"
        )
        factories.EnrolmentFactory(student=pupil, school_class=world.b.school_class)
        before = counts()
        with pytest.raises(services.RosterCommitError):
            services.commit_roster_import(world.a.admin, upload)
        assert counts() == before

    def test_a_committed_upload_cannot_be_committed_again(self, world):
        upload, _plan, _error = preview(world, csv_bytes(GOOD_ROWS))
        services.commit_roster_import(world.a.admin, upload)
        before = counts()
        with pytest.raises(services.RosterAlreadyCommitted):
            services.commit_roster_import(world.a.admin, upload)
        assert counts() == before


class TestUnreadableFile:
    def test_a_zip_that_is_not_a_workbook_is_rejected(self, world):
        content = fixture_path("h5p", "greeting-card.h5p").read_bytes()
        before = counts()
        upload, plan, error = preview(world, content, "greeting-card.h5p")
        assert plan is None
        assert error == "Tệp greeting-card.h5p không phải CSV hay Excel .xlsx hợp lệ."
        assert upload.status == "failed"
        assert counts() == before
        with pytest.raises(RosterFileError):
            services.commit_roster_import(world.a.admin, upload)

    def test_a_pdf_is_rejected_by_name(self, world):
        _upload, plan, error = preview(world, b"%PDF-1.7\n...", "danh-sach.pdf")
        assert plan is None
        assert error == "Tệp danh-sach.pdf không phải CSV hay Excel .xlsx hợp lệ."

    def test_binary_content_named_csv_is_rejected(self, world):
        _upload, _plan, error = preview(world, b"\x89PNG\r\n\x1a\n\x00\x00\x00", "ds.csv")
        assert error == "Tệp ds.csv không phải CSV hay Excel .xlsx hợp lệ."

    def test_old_excel_format_gets_a_clear_message(self, world):
        content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
        _upload, _plan, error = preview(world, content, "ds.xls")
        assert error == "Tệp ds.xls là Excel 97-2003 (.xls); hãy lưu lại dạng .xlsx hoặc CSV."

    def test_file_without_header_is_rejected(self, world):
        content = "079210000001,Nguyễn Văn An,05/09/2011,Nam,10A1\n".encode()
        _upload, plan, error = preview(world, content)
        assert plan is None
        assert error == (
            "Không tìm thấy dòng tiêu đề với các cột: "
            "Mã định danh, Họ và tên, Ngày sinh, Giới tính, Lớp."
        )

    def test_header_missing_a_column_names_it(self, world):
        content = "Mã định danh,Họ và tên,Ngày sinh (dd/mm/yyyy),Lớp\n1,2,3,4\n".encode()
        _upload, _plan, error = preview(world, content)
        assert error == "Thiếu cột: Giới tính."

    def test_header_only_file_is_rejected(self, world):
        _upload, _plan, error = preview(world, csv_bytes([]))
        assert error == "Tệp không có dòng dữ liệu nào."

    def test_only_admins_of_the_school_may_preview(self, world):
        from django.core.exceptions import PermissionDenied

        for person in (world.b.admin, world.a.teacher, world.a.student):
            with pytest.raises(PermissionDenied):
                services.preview_roster_import(
                    person, school=world.a.school, filename="ds.csv", content=b""
                )
        assert RosterImport.objects.count() == 0

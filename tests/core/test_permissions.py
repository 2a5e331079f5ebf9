"""Who sees which class, through the pages and through the JSON API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Role, SchoolClass
from tests import factories

pytestmark = pytest.mark.django_db


def class_url(school_class) -> str:
    return reverse("class_detail", args=[school_class.pk])


def api_class_ids(client: Client) -> set[int]:
    response = client.get("/api/v1/classes")
    assert response.status_code == 200
    return {c["id"] for c in response.json()}


class TestPages:
    def test_teacher_sees_own_school_class_and_gets_404_for_other_school(self, world, login):
        client = login(world.a.teacher)
        own = client.get(class_url(world.a.school_class))
        assert own.status_code == 200
        assert world.a.student.full_name in own.content.decode()
        other = client.get(class_url(world.b.school_class))
        assert other.status_code == 404
        assert world.b.student.full_name not in other.content.decode()

    def test_missing_class_and_foreign_class_answer_alike(self, world, login):
        client = login(world.a.teacher)
        assert client.get(reverse("class_detail", args=[999_999])).status_code == 404
        assert client.get(class_url(world.b.school_class)).status_code == 404

    def test_student_sees_only_the_class_they_are_enrolled_in(self, world, login):
        other_class_same_school = factories.SchoolClassFactory(school=world.a.school, name="10A9")
        client = login(world.a.student)
        assert client.get(class_url(world.a.school_class)).status_code == 200
        assert client.get(class_url(other_class_same_school)).status_code == 404
        assert client.get(class_url(world.b.school_class)).status_code == 404

    def test_department_admin_sees_both_schools(self, world, login):
        client = login(world.department_admin)
        assert client.get(class_url(world.a.school_class)).status_code == 200
        assert client.get(class_url(world.b.school_class)).status_code == 200

    def test_school_admin_cannot_open_roster_upload_of_another_school(self, world, login):
        client = login(world.a.admin)
        assert client.get(reverse("roster_upload", args=[world.a.school.pk])).status_code == 200
        assert client.get(reverse("roster_upload", args=[world.b.school.pk])).status_code == 403

    def test_teacher_cannot_open_roster_upload_of_own_school(self, world, login):
        client = login(world.a.teacher)
        assert client.get(reverse("roster_upload", args=[world.a.school.pk])).status_code == 403

    @pytest.mark.parametrize(
        ("url_name", "args"),
        [("home", []), ("class_detail", [1]), ("personal_data", []), ("roster_upload", [1])],
    )
    def test_anonymous_is_sent_to_login(self, world, url_name, args):
        url = reverse(url_name, args=args)
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"

    def test_home_dashboard_lists_own_classes_only(self, world, login):
        body = login(world.a.teacher).get(reverse("home")).content.decode()
        assert class_url(world.a.school_class) in body
        assert class_url(world.b.school_class) not in body


class TestApi:
    def test_teacher_list_excludes_other_school(self, world, login):
        assert api_class_ids(login(world.a.teacher)) == {world.a.school_class.pk}

    def test_teacher_gets_404_for_other_school_class(self, world, login):
        client = login(world.a.teacher)
        own = client.get(f"/api/v1/classes/{world.a.school_class.pk}")
        assert own.status_code == 200
        assert [s["username"] for s in own.json()["students"]] == [world.a.student.username]
        other = client.get(f"/api/v1/classes/{world.b.school_class.pk}")
        assert other.status_code == 404
        assert other.json() == {"detail": "Không tìm thấy."}

    def test_student_lists_only_their_classes(self, world, login):
        factories.SchoolClassFactory(school=world.a.school, name="10A9")
        assert api_class_ids(login(world.a.student)) == {world.a.school_class.pk}

    def test_department_admin_lists_both(self, world, login):
        assert api_class_ids(login(world.department_admin)) == {
            world.a.school_class.pk,
            world.b.school_class.pk,
        }

    def test_staff_of_an_office_reaches_only_schools_below_it(self, world, login):
        office = factories.SchoolFactory(
            code="PGD-X", name="Phòng GDĐT X", kind="office", level="", parent=world.department
        )
        school_c = factories.SchoolFactory(parent=office)
        factories.SchoolClassFactory(school=school_c, name="10C1")
        class_c = SchoolClass.objects.get(name="10C1")
        coordinator = factories.UserFactory()
        factories.MembershipFactory(
            user=coordinator, organisation=office, role=Role.EXAM_COORDINATOR
        )
        assert api_class_ids(login(coordinator)) == {class_c.pk}

    def test_organisations_of_a_teacher(self, world, login):
        response = login(world.a.teacher).get("/api/v1/organisations")
        ids = {o["id"] for o in response.json()}
        assert ids == {world.department.pk, world.a.school.pk}

    def test_me_names_the_roles(self, world, login):
        response = login(world.a.admin).get("/api/v1/me")
        assert response.json() == {
            "id": world.a.admin.pk,
            "username": world.a.admin.username,
            "full_name": world.a.admin.full_name,
            "roles": ["school_admin"],
        }

    @pytest.mark.parametrize(
        "path", ["/api/v1/me", "/api/v1/classes", "/api/v1/classes/1", "/api/v1/tokens"]
    )
    def test_anonymous_gets_401(self, world, path):
        response = Client().get(path)
        assert response.status_code == 401
        assert response.json() == {"detail": "Cần đăng nhập."}

    def test_school_admin_cannot_upload_roster_to_other_school(self, world, login):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from core.models import RosterImport

        csv = "Mã định danh,Họ và tên,Ngày sinh,Giới tính,Lớp\n".encode()
        response = login(world.a.admin).post(
            f"/api/v1/schools/{world.b.school.pk}/roster-imports",
            {"file": SimpleUploadedFile("ds.csv", csv)},
        )
        assert response.status_code == 403
        assert response.json() == {"detail": "Bạn không có quyền thực hiện thao tác này."}
        assert RosterImport.objects.count() == 0

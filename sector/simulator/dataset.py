"""A generated Vietnamese roster for the simulator (deterministic for a given seed)."""

from __future__ import annotations

import random
from typing import Any

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Gia", "Bảo", "Quốc", "Thu"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Khánh",
    "Linh",
    "Nam",
    "Phúc",
    "Quân",
    "Trang",
    "Tuấn",
    "Uyên",
    "Việt",
    "Yến",
]
STAMP = "2026-09-01T00:00:00.000Z"


def _person(rng: random.Random) -> dict[str, str]:
    return {
        "familyName": rng.choice(FAMILY),
        "middleName": rng.choice(MIDDLE),
        "givenName": rng.choice(GIVEN),
    }


def vietnamese_roster(
    schools: int = 2, classes_per_school: int = 2, students_per_class: int = 5, seed: int = 2026
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    out: dict[str, list[dict[str, Any]]] = {
        "orgs": [],
        "classes": [],
        "users": [],
        "enrollments": [],
    }
    out["orgs"].append(
        {
            "sourcedId": "vn-sgd",
            "status": "active",
            "dateLastModified": STAMP,
            "name": "Sở Giáo dục và Đào tạo",
            "type": "state",
            "identifier": "SGD",
        }
    )
    serial = 0
    for s in range(1, schools + 1):
        org_id = f"vn-org-{s:03d}"
        out["orgs"].append(
            {
                "sourcedId": org_id,
                "status": "active",
                "dateLastModified": STAMP,
                "name": f"Trường THPT số {s}",
                "type": "school",
                "identifier": f"THPT{s:03d}",
                "parent": {"sourcedId": "vn-sgd"},
                "metadata": {"vn.level": "upper_secondary"},
            }
        )
        for c in range(1, classes_per_school + 1):
            class_id = f"vn-cls-{s:03d}-{c:02d}"
            teacher_id = f"vn-gv-{s:03d}-{c:02d}"
            out["classes"].append(
                {
                    "sourcedId": class_id,
                    "status": "active",
                    "dateLastModified": STAMP,
                    "title": f"Lớp 10A{c}",
                    "classCode": f"10A{c}",
                    "classType": "homeroom",
                    "grades": ["10"],
                    "school": {"sourcedId": org_id},
                    "terms": [],
                }
            )
            out["users"].append(
                {
                    "sourcedId": teacher_id,
                    "status": "active",
                    "dateLastModified": STAMP,
                    "enabledUser": True,
                    "username": f"gv{s:03d}{c:02d}",
                    "identifier": "",
                    "email": "",
                    **_person(rng),
                    "roles": [
                        {"roleType": "primary", "role": "teacher", "org": {"sourcedId": org_id}}
                    ],
                }
            )
            out["enrollments"].append(
                {
                    "sourcedId": f"vn-enr-{teacher_id}",
                    "status": "active",
                    "dateLastModified": STAMP,
                    "class": {"sourcedId": class_id},
                    "school": {"sourcedId": org_id},
                    "user": {"sourcedId": teacher_id},
                    "role": "teacher",
                    "primary": True,
                }
            )
            for _ in range(students_per_class):
                serial += 1
                student_id = f"vn-hs-{serial:06d}"
                out["users"].append(
                    {
                        "sourcedId": student_id,
                        "status": "active",
                        "dateLastModified": STAMP,
                        "enabledUser": True,
                        "username": f"hs{serial:06d}",
                        "identifier": f"079{210000000 + serial:09d}",
                        "email": "",
                        **_person(rng),
                        "roles": [
                            {"roleType": "primary", "role": "student", "org": {"sourcedId": org_id}}
                        ],
                    }
                )
                out["enrollments"].append(
                    {
                        "sourcedId": f"vn-enr-{student_id}",
                        "status": "active",
                        "dateLastModified": STAMP,
                        "class": {"sourcedId": class_id},
                        "school": {"sourcedId": org_id},
                        "user": {"sourcedId": student_id},
                        "role": "student",
                        "primary": False,
                    }
                )
    return out

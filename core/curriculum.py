"""The subjects of the 2018 general-education curriculum (GDPT 2018) with yearly periods.

Figures from Circular 32/2018/TT-BGDĐT (the curriculum) as amended; comment-only subjects as in
Circular 22/2021 art. 5. Schools may adjust periods; this is the catalogue the platform starts with.
"""

from __future__ import annotations

from typing import NamedTuple


class SubjectSpec(NamedTuple):
    code: str
    name: str
    comment_only: bool
    periods: dict[int, int]  # grade -> periods per year


def _g(grades: range | list[int], periods: int | list[int]) -> dict[int, int]:
    values = periods if isinstance(periods, list) else [periods] * len(grades)
    return dict(zip(grades, values, strict=True))


PRIMARY = range(1, 6)
LOWER = range(6, 10)
UPPER = range(10, 13)

SUBJECTS: list[SubjectSpec] = [
    SubjectSpec("TV", "Tiếng Việt", False, _g(PRIMARY, [420, 350, 245, 245, 245])),
    SubjectSpec(
        "TOAN",
        "Toán",
        False,
        {**_g(PRIMARY, [105, 175, 175, 175, 175]), **_g(LOWER, 140), **_g(UPPER, 105)},
    ),
    SubjectSpec("DD", "Đạo đức", False, _g(PRIMARY, 35)),
    SubjectSpec("TNXH", "Tự nhiên và Xã hội", False, _g(range(1, 4), 70)),
    SubjectSpec("KH", "Khoa học", False, _g(range(4, 6), 70)),
    SubjectSpec("LSDL", "Lịch sử và Địa lí", False, {**_g(range(4, 6), 70), **_g(LOWER, 105)}),
    SubjectSpec("TINCN", "Tin học và Công nghệ", False, _g(range(3, 6), 70)),
    SubjectSpec(
        "NN1",
        "Ngoại ngữ 1 (Tiếng Anh)",
        False,
        {**_g(range(3, 6), 140), **_g(LOWER, 105), **_g(UPPER, 105)},
    ),
    SubjectSpec(
        "GDTC", "Giáo dục thể chất", True, {**_g(PRIMARY, 70), **_g(LOWER, 70), **_g(UPPER, 70)}
    ),
    SubjectSpec("AN", "Âm nhạc", True, {**_g(PRIMARY, 35), **_g(LOWER, 35), **_g(UPPER, 70)}),
    SubjectSpec("MT", "Mĩ thuật", True, {**_g(PRIMARY, 35), **_g(LOWER, 35), **_g(UPPER, 70)}),
    SubjectSpec(
        "HDTN",
        "Hoạt động trải nghiệm, hướng nghiệp",
        True,
        {**_g(PRIMARY, 105), **_g(LOWER, 105), **_g(UPPER, 105)},
    ),
    SubjectSpec("NV", "Ngữ văn", False, {**_g(LOWER, 140), **_g(UPPER, 105)}),
    SubjectSpec("GDCD", "Giáo dục công dân", False, _g(LOWER, 35)),
    SubjectSpec("KHTN", "Khoa học tự nhiên", False, _g(LOWER, 140)),
    SubjectSpec("CN", "Công nghệ", False, {**_g(LOWER, [35, 35, 52, 52]), **_g(UPPER, 70)}),
    SubjectSpec("TIN", "Tin học", False, {**_g(LOWER, 35), **_g(UPPER, 70)}),
    SubjectSpec(
        "GDDP", "Nội dung giáo dục của địa phương", True, {**_g(LOWER, 35), **_g(UPPER, 35)}
    ),
    SubjectSpec("LS", "Lịch sử", False, _g(UPPER, 52)),
    SubjectSpec("DL", "Địa lí", False, _g(UPPER, 70)),
    SubjectSpec("GDKTPL", "Giáo dục kinh tế và pháp luật", False, _g(UPPER, 70)),
    SubjectSpec("VL", "Vật lí", False, _g(UPPER, 70)),
    SubjectSpec("HH", "Hoá học", False, _g(UPPER, 70)),
    SubjectSpec("SH", "Sinh học", False, _g(UPPER, 70)),
    SubjectSpec("GDQPAN", "Giáo dục quốc phòng và an ninh", False, _g(UPPER, 35)),
]

"""24 versions of a 40-item test drawn from a 100,000-item bank.

Goals: ≤ 1 s for the JSON (blueprint draw + 24 shuffled versions + the CLI's JSON), ≤ 30 s for
every .docx and PDF. Run (prints the figures):
    .venv/bin/pytest -q -s bench/assessment/test_bench_versions.py -p no:cacheprovider
"""

from __future__ import annotations

import io
import json
import random
import time

import pytest
from django.core.management import call_command
from django.db import connection

from assessment import services
from core.models import Subject
from question_bank.api import Choice, ItemContent, ItemType, content_hash
from question_bank.models import Item, ItemVersion, Topic

BANK = 100_000
TYPES = (
    [ItemType.SINGLE_CHOICE] * 6 + [ItemType.TRUE_FALSE_CLUSTER] * 2 + [ItemType.SHORT_NUMERIC] * 2
)
LEVELS = ["biet", "hieu", "van_dung"]


def content(kind: ItemType, n: int) -> ItemContent:
    if kind is ItemType.SINGLE_CHOICE:
        return ItemContent(
            type=kind,
            stem_html=f"<p>Câu hỏi {n}: cho $y=\\frac{{{n}}}{{2}}x^2$, chọn đáp án đúng.</p>",
            choices=[Choice(c, f"<p>Phương án {c} của câu {n}</p>") for c in "ABCD"],
            key="ABCD"[n % 4],
        )
    if kind is ItemType.TRUE_FALSE_CLUSTER:
        return ItemContent(
            type=kind,
            stem_html=f"<p>Chùm {n}</p>",
            choices=[Choice(s, f"<p>Mệnh đề {s}</p>") for s in "abcd"],
            key={"a": True, "b": False, "c": n % 2 == 0, "d": False},
        )
    return ItemContent(type=kind, stem_html=f"<p>Tính giá trị {n}.</p>", key=str(n % 97))


def make_bank(subject: Subject, topics: list[Topic]) -> None:
    rng = random.Random(0)
    specs = [(rng.choice(TYPES), rng.choice(topics), rng.choice(LEVELS)) for _ in range(BANK)]
    items = Item.objects.bulk_create(
        [
            Item(type=k.value, subject=subject, grade=10, topic=t, level=lv, status="approved")
            for k, t, lv in specs
        ],
        batch_size=5000,
    )
    versions = []
    for item, (kind, _t, _l) in zip(items, specs, strict=True):
        c = content(kind, item.pk)
        versions.append(
            ItemVersion(
                item=item,
                number=1,
                type=kind.value,
                content=c.to_json(),
                content_hash=content_hash(c),
            )
        )
    ItemVersion.objects.bulk_create(versions, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE question_bank_item SET current_version_id = (SELECT v.id FROM "
            "question_bank_itemversion v WHERE v.item_id = question_bank_item.id)"
        )


@pytest.mark.django_db
def test_bench_24_versions_from_a_100k_bank(tmp_path) -> None:
    subject = Subject.objects.create(code="TOAN", name="Toán")
    topics = [
        Topic.objects.create(subject=subject, grade=10, title=f"Chủ đề {i}") for i in range(10)
    ]
    t0 = time.perf_counter()
    make_bank(subject, topics)
    print(f"\nbank of {Item.objects.count()} items built in {time.perf_counter() - t0:.1f} s")
    test = services.create_test(None, title="Kiểm tra cuối kỳ I", subject=subject, grade=10)
    p1, p2, p3 = test.parts.all()
    for topic in topics[:4]:
        for level in ("biet", "hieu"):
            services.add_cell(
                None, p1, item_type="single_choice", count=3, topic=topic, level=level
            )
        services.add_cell(
            None, p1, item_type="single_choice", count=1, topic=topic, level="van_dung"
        )
        services.add_cell(
            None, p2, item_type="true_false_cluster", count=1, topic=topic, level="hieu"
        )
        services.add_cell(
            None, p3, item_type="short_numeric", count=2, topic=topic, level="van_dung"
        )

    start = time.perf_counter()
    services.generate_from_blueprint(None, test, seed=2026)
    drawn = time.perf_counter()
    out = io.StringIO()
    call_command(
        "make_versions", str(test.pk), "--count", "24", "--seed", "2026", "--json", stdout=out
    )
    json_done = time.perf_counter()
    data = json.loads(out.getvalue())
    assert len(data["versions"]) == 24
    assert all(len(v["items"]) == 40 for v in data["versions"])
    print(
        f"blueprint draw {drawn - start:.3f} s + 24 versions JSON {json_done - drawn:.3f} s "
        f"= {json_done - start:.3f} s"
    )

    start = time.perf_counter()
    call_command(
        "make_versions",
        str(test.pk),
        "--count",
        "24",
        "--seed",
        "2026",
        "--out",
        str(tmp_path),
        "--json",
        stdout=io.StringIO(),
    )
    files = sorted(tmp_path.iterdir())
    print(
        f"24 versions with {len(files)} files (.docx, .pdf, answer sheet, key .xlsx) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    assert len(files) == 24 * 2 + 2

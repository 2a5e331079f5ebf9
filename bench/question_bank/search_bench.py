"""Question bank benchmark on PostgreSQL: bulk-load N realistic Vietnamese items, then measure
index size, search latency (diacritic-free 2-3 word queries with two facet filters) and facet
count latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbbench \\
        .venv/bin/python bench/question_bank/search_bench.py --items 1000000

The database is migrated first; items go in with COPY-speed bulk inserts in batches.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from core.api import Subject, fold  # noqa: E402
from question_bank.interchange import Choice, ItemContent, ItemType  # noqa: E402
from question_bank.models import Item, ItemVersion  # noqa: E402
from question_bank.search import search_items  # noqa: E402
from question_bank.services import content_hash  # noqa: E402

SUBJECTS = {
    "TOAN": [
        "phương trình bậc hai",
        "hàm số đồng biến",
        "đạo hàm",
        "tích phân",
        "xác suất",
        "hình chóp",
        "cấp số cộng",
        "logarit",
        "vectơ",
        "đồ thị hàm số",
        "giới hạn dãy số",
    ],
    "VL": [
        "dao động điều hoà",
        "động năng",
        "định luật Newton",
        "sóng cơ",
        "điện trường",
        "khúc xạ ánh sáng",
        "cảm ứng từ",
        "nhiệt động lực học",
        "con lắc đơn",
    ],
    "HH": [
        "phản ứng oxi hoá khử",
        "este",
        "cân bằng hoá học",
        "kim loại kiềm",
        "polime",
        "dung dịch axit",
        "liên kết hoá học",
        "điện phân",
    ],
    "SH": [
        "di truyền học",
        "quang hợp",
        "tế bào nhân thực",
        "đột biến gen",
        "hệ sinh thái",
        "hô hấp tế bào",
        "tiến hoá",
    ],
    "NV": [
        "truyện ngắn",
        "thơ trữ tình",
        "nghị luận xã hội",
        "biện pháp tu từ",
        "nhân vật",
        "văn bản thông tin",
        "bút kí",
    ],
    "LS": [
        "cách mạng tháng Tám",
        "kháng chiến chống Pháp",
        "đổi mới đất nước",
        "Chiến tranh lạnh",
        "ASEAN",
        "phong trào Cần vương",
    ],
    "DL": [
        "khí hậu nhiệt đới",
        "dân số",
        "đồng bằng sông Cửu Long",
        "công nghiệp",
        "địa hình",
        "tài nguyên biển đảo",
    ],
    "NN1": [
        "thì hiện tại hoàn thành",
        "câu bị động",
        "mệnh đề quan hệ",
        "từ vựng môi trường",
        "câu điều kiện",
    ],
    "TIN": [
        "thuật toán sắp xếp",
        "cơ sở dữ liệu",
        "mạng máy tính",
        "lập trình Python",
        "bảng tính",
    ],
    "GDKTPL": ["thị trường", "pháp luật", "quyền công dân", "ngân sách nhà nước", "thuế"],
}
STEMS = [
    "Cho {t}. Khẳng định nào sau đây là đúng?",
    "Trong bài học về {t}, phát biểu nào sau đây sai?",
    "Hãy chọn ý đúng nhất khi nói về {t} trong chương trình lớp {g}.",
    "Ví dụ nào sau đây minh hoạ rõ nhất cho {t}?",
    "Một học sinh tìm hiểu về {t} và rút ra kết luận. Kết luận nào hợp lí?",
]
TYPES = (
    [ItemType.SINGLE_CHOICE] * 6 + [ItemType.TRUE_FALSE_CLUSTER] * 2 + [ItemType.SHORT_NUMERIC] * 2
)
LEVELS = ["biet", "hieu", "van_dung", "van_dung_cao"]
STATUSES = ["published"] * 6 + ["approved", "draft", "submitted", "retired"]


def make_content(rng: random.Random, topic: str, grade: int) -> ItemContent:
    stem = f"<p>{rng.choice(STEMS).format(t=topic, g=grade)} (mã {rng.randrange(10**6)})</p>"
    kind = rng.choice(TYPES)
    if kind == ItemType.SINGLE_CHOICE:
        choices = [Choice(k, f"Phương án {k} về {topic}") for k in "ABCD"]
        return ItemContent(
            kind,
            stem,
            choices=choices,
            key=rng.choice("ABCD"),
            solution_html=f"<p>Dựa vào kiến thức về {topic}.</p>",
        )
    if kind == ItemType.TRUE_FALSE_CLUSTER:
        choices = [Choice(k, f"Nhận định {k} liên quan đến {topic}") for k in "abcd"]
        return ItemContent(kind, stem, choices=choices, key={k: rng.random() < 0.5 for k in "abcd"})
    return ItemContent(kind, stem, key=rng.choice(["-1,5", "0,25", "12", "3,14", "100"]))


def load(n: int, seed: int = 7, batch: int = 5000) -> float:
    rng = random.Random(seed)
    subjects = {s.code: s for s in Subject.objects.filter(code__in=SUBJECTS)}
    for code in SUBJECTS:
        if code not in subjects:
            subjects[code] = Subject.objects.create(code=code, name=code)
    start = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        rows = []
        for _ in range(size):
            code = rng.choice(list(SUBJECTS))
            topic = rng.choice(SUBJECTS[code])
            grade = rng.randint(6, 12)
            content = make_content(rng, topic, grade)
            rows.append((code, grade, topic, content))
        with transaction.atomic():
            items = Item.objects.bulk_create(
                [
                    Item(
                        bank="bench",
                        type=c.type.value,
                        subject=subjects[code],
                        grade=grade,
                        level=rng.choice(LEVELS),
                        status=rng.choice(STATUSES),
                        scope="department",
                        tags=[topic],
                        search_text=fold(
                            " ".join([c.stem_html[3:-4], *(x.html for x in c.choices), topic])
                        ),
                    )
                    for code, grade, topic, c in rows
                ]
            )
            versions = ItemVersion.objects.bulk_create(
                [
                    ItemVersion(
                        item=item,
                        number=1,
                        type=c.type.value,
                        content=c.to_json(),
                        content_hash=content_hash(c),
                    )
                    for item, (_code, _g, _t, c) in zip(items, rows, strict=True)
                ]
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE question_bank_item SET current_version_id = %s WHERE id = %s",
                    [(v.pk, v.item_id) for v in versions],
                )
        done += size
        print(f"  {done} items, {time.perf_counter() - start:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE question_bank_item")
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(runs: int, seed: int = 11) -> dict[str, float]:
    rng = random.Random(seed)
    topics = [(code, fold(t)) for code, ts in SUBJECTS.items() for t in ts]
    base = Item.objects.all()
    search_ms: list[float] = []
    facet_ms: list[float] = []
    for _ in range(runs):
        code, topic = rng.choice(topics)
        words = topic.split()[: rng.choice([2, 3])]
        filters = {"subject": code, "grade": rng.randint(6, 12)}
        t0 = time.perf_counter()
        result = search_items(base, " ".join(words), filters, facets=())
        search_ms.append((time.perf_counter() - t0) * 1000)
        assert result.total >= 0
        t0 = time.perf_counter()
        search_items(base, " ".join(words), filters, facets=("level", "type", "status"))
        facet_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "search_p50_ms": statistics.median(search_ms),
        "search_p95_ms": percentile(search_ms, 95),
        "search_with_facets_p50_ms": statistics.median(facet_ms),
        "search_with_facets_p95_ms": percentile(facet_ms, 95),
    }


def index_sizes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) "
            "FROM pg_stat_user_indexes WHERE relname = 'question_bank_item' ORDER BY 1"
        )
        sizes = dict(cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('question_bank_item'))")
        sizes["question_bank_item (total)"] = cursor.fetchone()[0]
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own.")
    call_command("migrate", verbosity=0)
    if not args.skip_load:
        seconds = load(args.items)
        print(f"bulk load: {args.items} items in {seconds:.1f} s")
    print(f"items in bank: {Item.objects.count()}")
    for name, size in index_sizes().items():
        print(f"index {name}: {size}")
    for name, value in measure(args.runs).items():
        print(f"{name}: {value:.1f}")


if __name__ == "__main__":
    main()

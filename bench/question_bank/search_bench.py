"""Question bank benchmark on PostgreSQL: bulk-load N realistic Vietnamese items, then measure
index size, search latency (diacritic-free 2-3 word queries with two facet filters, as a
finished query and as the search box sends it while typing, the last word a prefix) and facet
count latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qbbench \\
        .venv/bin/python bench/question_bank/search_bench.py --items 1000000

The database is migrated first; items and their versions go in with COPY in batches of
50,000, with the search indexes dropped during the load and built once at the end.
`--load-only` stops after loading; `--skip-load` measures an existing database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from bench.pg import ensure_database

    ensure_database(os.environ["DATABASE_URL"], "qbbench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402

from core.api import Subject, fold  # noqa: E402
from question_bank import facet_table  # noqa: E402
from question_bank.interchange import Choice, ItemContent, ItemType  # noqa: E402
from question_bank.models import Item  # noqa: E402
from question_bank.search import FACETS, search_items  # noqa: E402
from question_bank.search_indexes import CREATE_INDEXES, REVERSE_INDEXES  # noqa: E402

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


ITEM_COLUMNS = (
    "id, bank, type, subject_id, grade, level, level_scheme, tags, scope, status, "
    "current_version_id, search_text, created, updated, source, licence"
)
VERSION_COLUMNS = "id, item_id, number, type, content, content_hash, created"


def load(n: int, seed: int = 7, batch: int = 50_000) -> float:
    """COPY items and their first versions in batches (ids assigned here, so each item can
    point at its version in the same statement stream; the FKs are deferred to commit).
    The search indexes are dropped during the load and rebuilt once at the end."""
    rng = random.Random(seed)
    subjects = {s.code: s for s in Subject.objects.filter(code__in=SUBJECTS)}
    for code in SUBJECTS:
        if code not in subjects:
            subjects[code] = Subject.objects.create(code=code, name=code)
    codes = list(SUBJECTS)
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM question_bank_item")
        first_item = cursor.fetchone()[0] + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM question_bank_itemversion")
        first_version = cursor.fetchone()[0] + 1
        for statement in REVERSE_INDEXES:
            cursor.execute(statement)
    now = "2026-11-29 00:00:00+00"
    done = 0
    while done < n:
        size = min(batch, n - done)
        items: list[tuple[object, ...]] = []
        versions: list[tuple[object, ...]] = []
        for i in range(size):
            code = rng.choice(codes)
            topic = rng.choice(SUBJECTS[code])
            grade = rng.randint(6, 12)
            c = make_content(rng, topic, grade)
            item_id, version_id = first_item + done + i, first_version + done + i
            text = fold(" ".join([c.stem_html[3:-4], *(x.html for x in c.choices), topic]))
            data = json.dumps(c.to_json(), ensure_ascii=False)
            items.append(
                (
                    item_id,
                    "bench",
                    c.type.value,
                    subjects[code].pk,
                    grade,
                    rng.choice(LEVELS),
                    "4",
                    json.dumps([topic], ensure_ascii=False),
                    "department",
                    rng.choice(STATUSES),
                    version_id,
                    text,
                    now,
                    now,
                    "",
                    "",
                )
            )
            digest = hashlib.sha256(data.encode()).hexdigest()
            versions.append((version_id, item_id, 1, c.type.value, data, digest, now))
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.copy(f"COPY question_bank_item ({ITEM_COLUMNS}) FROM STDIN") as copy:
                for row in items:
                    copy.write_row(row)
            with cursor.copy(
                f"COPY question_bank_itemversion ({VERSION_COLUMNS}) FROM STDIN"
            ) as copy:
                for row in versions:
                    copy.write_row(row)
        done += size
        print(f"  {done} items, {time.perf_counter() - start:.0f} s", flush=True)
    with connection.cursor() as cursor:
        for table in ("question_bank_item", "question_bank_itemversion"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        print(f"  rows copied in {time.perf_counter() - start:.0f} s; building indexes", flush=True)
        for statement in CREATE_INDEXES:
            cursor.execute(statement)
        cursor.execute("ANALYZE question_bank_item")
        cursor.execute("ANALYZE question_bank_itemversion")
    # COPY bypassed the services, so the facet count table is tallied once here
    print(f"  facet count rows: {facet_table.rebuild()}", flush=True)
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(runs: int, seed: int = 11) -> dict[str, float]:
    rng = random.Random(seed)
    topics = [(code, fold(t)) for code, ts in SUBJECTS.items() for t in ts]
    base = Item.objects.all()
    search_ms: list[float] = []
    typing_ms: list[float] = []
    facet_ms: list[float] = []
    browse_ms: list[float] = []
    totals: list[int] = []
    capped = 0
    for _ in range(runs):
        code, topic = rng.choice(topics)
        words = topic.split()[: rng.choice([2, 3])]
        filters = {"subject": code, "grade": rng.randint(6, 12)}
        t0 = time.perf_counter()
        result = search_items(base, " ".join(words), filters, facets=())
        search_ms.append((time.perf_counter() - t0) * 1000)
        totals.append(result.total)
        capped += result.total_capped
        # the same words as the search box sends them while typing (last word as a prefix)
        t0 = time.perf_counter()
        search_items(base, " ".join(words), filters, facets=(), prefix=True)
        typing_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        search_items(base, " ".join(words), filters, facets=("level", "type", "status"))
        facet_ms.append((time.perf_counter() - t0) * 1000)
        # browsing without a text query: every facet, summed from the count table
        t0 = time.perf_counter()
        search_items(base, "", filters, facets=FACETS, visibility=Q())
        browse_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "browse_all_facets_p50_ms": statistics.median(browse_ms),
        "browse_all_facets_p95_ms": percentile(browse_ms, 95),
        "search_p50_ms": statistics.median(search_ms),
        "search_p95_ms": percentile(search_ms, 95),
        "search_as_you_type_p50_ms": statistics.median(typing_ms),
        "search_as_you_type_p95_ms": percentile(typing_ms, 95),
        "search_with_facets_p50_ms": statistics.median(facet_ms),
        "search_with_facets_p95_ms": percentile(facet_ms, 95),
        "search_total_median": statistics.median(totals),
        "search_total_max": max(totals),
        "search_totals_capped_percent": 100 * capped / runs,
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
    parser.add_argument("--load-only", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of your own.")
    call_command("migrate", verbosity=0)
    if not args.skip_load:
        seconds = load(args.items)
        print(f"bulk load: {args.items} items in {seconds:.1f} s")
    if args.load_only:
        return
    print(f"items in bank: {Item.objects.count()}")
    for name, size in index_sizes().items():
        print(f"index {name}: {size}")
    for name, value in measure(args.runs).items():
        print(f"{name}: {value:.1f}")


if __name__ == "__main__":
    main()

import datetime as dt
import subprocess
import zoneinfo

import pytest

from tests.factories import make_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# 李堃: 堃 is outside GB 2312, so it comes from the full-font fallback.
APPLICANT_NAME = "李堃"
CASE_NUMBER = "怀容〔2026〕第0007号"


@pytest.fixture(scope="session", autouse=True)
def _letter_fonts():
    """Prepare the fonts once (quick when ``make`` already did) and warm the
    renderer, so that the first test does not pay for it."""
    from letters import rendering
    from letters.fonts import prepare_fonts

    prepare_fonts()
    rendering.warm()


@pytest.fixture
def eager_celery():
    """``.delay()`` runs inline, so that the render queued on commit happens
    in the test (the real worker is exercised by the worker test)."""
    from config.celery_app import app

    old = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = False
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = old


@pytest.fixture
def letter_case(world):
    """A submitted case of 李堃 (住建局, 怀来县) with a case number."""
    users, units = world["users"], world["units"]
    return make_case(
        applicant=users["applicant2"], unit=units["huailai-zj"], stage="submitted",
        number=CASE_NUMBER, number_year=2026, number_seq=7,
        submitted_at=dt.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI),
        title="推进校舍改造项目中的程序瑕疵",
        facts_reasons="为赶在汛期前完工，经局党组集体研究，先行开工后补办手续，未造成经济损失。",
    )


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def pdf_fonts(path) -> list[dict]:
    """pdffonts rows as dicts (name, type, emb)."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name, type (2-3 words), encoding, emb, sub, uni, object, id
        rows.append({"name": parts[0], "emb": parts[-5], "type": " ".join(parts[1:-6])})
    return rows


def ruling_context(case) -> dict:
    """What the ruling step passes (see letters.snapshot)."""
    items = {(i.kind, i.number): i.id for i in case.policy_version.items.all()}
    return {
        "result": "exempt",
        "reasons": "综合考虑动机、条件、程序和后果，符合容错条件。",
        # What the ruling step passes as 基本事实 (reviews.services._found_facts).
        "facts": "经调查核实，查明：为赶在汛期前完工，该局党组集体研究决定先行开工、后补办施工许可手续，"
                 "有党组会议纪要佐证；工程未发生质量安全问题，未造成经济损失，手续已于开工后二十日内补齐。\n"
                 "上述事实，有与李堃的谈话记录（2026年11月12日）、书证材料3份等核实材料证实。",
        "meeting_on": dt.date(2026, 11, 20),
        "assessment": [
            {"item_id": items[("condition", 1)], "finding": "met"},
            {"item_id": items[("condition", 2)], "finding": "met"},
            {"item_id": items[("positive", 1)], "finding": "applies"},
            {"item_id": items[("negative", 1)], "finding": "not_applies"},
        ],
        "result_uses": [{"item_id": items[("result_use", 1)]}, {"item_id": items[("result_use", 2)],
                                                                 "duration_months": 24}],
    }

"""Letter rendering speed and memory in one worker-like process.

Renders N ruling letters (the real templates, stylesheet and fonts, warm as
in a worker) and, side by side, N minimal Latin-only WeasyPrint pages, then
prints letters/s for both, the ratio, and the resident memory after every
100 renders. Targets (issue 8): ratio >= 0.5, memory flat over 1,000.

    .venv/bin/python bench/letters.py [-n 1000] [--kind acceptance]

Two Latin baselines, both printed:

- "warm": the page rendered with its own FontConfiguration, reused like
  the letters' one (the strictest comparison);
- "plain": the out-of-the-box call ``HTML(string=...).write_pdf()``, which
  builds a fresh FontConfiguration each time (what the issue's figure of
  0.13 s a page measured). WeasyPrint 70 leaks about 0.23 MiB per such call,
  so it runs in a child process, in lockstep with the letters (one page
  after each letter, never at the same time), and does not touch the
  letters' resident memory.

Needs no database: the ruling snapshot is built here in the shape that
``letters.snapshot.build_context`` produces.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

LATIN_PAGE = "<!DOCTYPE html><html><body><h1>Notice</h1><p>Minimal Latin-only page number {n}.</p></body></html>"


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ruling_context(n: int) -> dict:
    # Every other letter names someone outside GB 2312 (堃), so the fallback
    # to the full font is part of the measure.
    name = "李堃" if n % 2 else "张伟"
    return {
        "kind": "ruling", "title": "容错认定书", "number": f"怀纪容〔2026〕{n}号",
        "issuing_body": "中共怀来县纪律检查委员会", "masthead": "中共怀来县纪律检查委员会",
        "masthead_class": "mh-m", "recipient": f"{name}同志", "date": "2026-11-22",
        "date_cn": "二〇二六年十一月二十二日", "cc": ["怀来县住房和城乡建设局"],
        "case": {"number": f"怀容〔2026〕第{n:04d}号", "title": "推进校舍改造项目中的程序瑕疵", "applicant": name,
                 "unit": "怀来县住房和城乡建设局", "origin": "individual", "submitted_on_cn": "二〇二六年十月九日"},
        "policy": {"document_title": "怀来县容错纠错实施办法（试行）"},
        "facts": "为赶在汛期前完工，经局党组集体研究，先行开工后补办手续，造成程序瑕疵，未造成经济损失。",
        "meeting_on_cn": "二〇二六年十一月二十日",
        "assessment": [
            {"label": "容错条件第1项", "text": "出于推动改革发展的公心，没有谋取私利", "finding": "符合", "note": ""},
            {"label": "容错条件第2项", "text": "决策程序符合规定，经过集体研究", "finding": "符合", "note": ""},
            {"label": "容错情形第1项", "text": "在推进改革中因缺乏经验、先行先试出现的失误", "finding": "适用", "note": ""},
            {"label": "负面清单第1项", "text": "为个人、他人或者单位谋取不正当利益的", "finding": "不适用", "note": ""},
        ],
        "reasons": "综合考虑动机、条件、程序和后果，符合容错条件。",
        "result": "exempt", "result_label": "予以容错、免予问责",
        "result_uses": [{"text": "不影响年度考核评优", "duration": "12个月"},
                        {"text": "不影响干部选拔任用", "duration": "12个月"}],
        "review_limit": "15日", "review_body": "中共怀来县纪律检查委员会",
    }


def _plain_latin_child(conn) -> None:
    """Render a plain Latin page for every number received; send the time."""
    from weasyprint import HTML

    HTML(string=LATIN_PAGE.format(n=0)).write_pdf()
    while (n := conn.recv()) is not None:
        t0 = time.perf_counter()
        HTML(string=LATIN_PAGE.format(n=n)).write_pdf()
        conn.send(time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="letters (and Latin pages) to render")
    parser.add_argument("--kind", default="ruling", choices=["ruling", "acceptance"],
                        help="letter template (the ruling letter is two pages, the acceptance notice one)")
    args = parser.parse_args()

    import multiprocessing

    parent_end, child_end = multiprocessing.Pipe()
    # Forked before Django and WeasyPrint load here, so the child starts clean.
    plain = multiprocessing.get_context("fork").Process(target=_plain_latin_child, args=(child_end,), daemon=True)
    plain.start()

    import django

    django.setup()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from letters import rendering

    start = time.perf_counter()
    rendering.warm()
    latin_fonts = FontConfiguration()
    rendering.render_pdf(args.kind, ruling_context(0))
    HTML(string=LATIN_PAGE.format(n=0)).write_pdf(font_config=latin_fonts)
    print(f"warm-up (fonts, stylesheet, first renders): {time.perf_counter() - start:.2f} s, RSS {rss_mib():.0f} MiB")

    letter_time = latin_time = plain_time = layout_time = 0.0
    total_bytes = 0
    print(f"{'renders':>8} {'letters/s':>10} {'warm/s':>8} {'ratio':>6} {'plain/s':>8} {'ratio':>6} {'RSS MiB':>8}")
    for n in range(1, args.n + 1):
        # The production path (rendering.render_pdf), in its two halves.
        t0 = time.perf_counter()
        document = rendering.layout(rendering.render_html(args.kind, ruling_context(n)))
        t_layout = time.perf_counter()
        pdf = rendering.write(document)
        t1 = time.perf_counter()
        layout_time += t_layout - t0
        HTML(string=LATIN_PAGE.format(n=n)).write_pdf(font_config=latin_fonts)
        t2 = time.perf_counter()
        parent_end.send(n)
        plain_time += parent_end.recv()
        letter_time += t1 - t0
        latin_time += t2 - t1
        total_bytes += len(pdf)
        if n % 100 == 0 or n == args.n:
            letters_s, latin_s, plain_s = n / letter_time, n / latin_time, n / plain_time
            print(f"{n:>8} {letters_s:>10.2f} {latin_s:>8.2f} {letters_s / latin_s:>6.2f} "
                  f"{plain_s:>8.2f} {letters_s / plain_s:>6.2f} {rss_mib():>8.0f}")
    parent_end.send(None)
    plain.join(timeout=10)
    letters_s, latin_s, plain_s = args.n / letter_time, args.n / latin_time, args.n / plain_time
    print(f"\n{args.kind} letters: {letters_s:.2f}/s ({1000 * letter_time / args.n:.0f} ms each), "
          f"{total_bytes / args.n / 1024:.0f} KiB a letter")
    print(f"warm Latin page:  {latin_s:.2f}/s ({1000 * latin_time / args.n:.0f} ms each); ratio {letters_s / latin_s:.2f}")
    print(f"plain Latin page: {plain_s:.2f}/s ({1000 * plain_time / args.n:.0f} ms each); ratio {letters_s / plain_s:.2f}")
    print(f"of a letter's time, layout (template, glyph check, WeasyPrint layout) {1000 * layout_time / args.n:.0f} ms, "
          f"PDF writing {1000 * (letter_time - layout_time) / args.n:.0f} ms")
    # Even if writing the PDF cost nothing, the ratio could not exceed this.
    print(f"ratio bound from layout alone: warm {(latin_time / args.n) / (layout_time / args.n):.2f}, "
          f"plain {(plain_time / args.n) / (layout_time / args.n):.2f}")
    print("target: ratio >= 0.5 (issue 8)")


if __name__ == "__main__":
    main()

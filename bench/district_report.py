"""bench/run's results: growth between the smallest and largest scale, the issue's targets met
or not, the Markdown section added at the top of bench/RESULTS.md and the JSON file."""

import json
from pathlib import Path

BUDGET_MS, BUDGET_QUERIES, BUDGET_GROWTH = 150, 15, 1.5
SCAN_MS, BARE_SHARE = 2000, 0.30
HEADER = "## run — key pages at district scale under gunicorn (`bench/run`)"


def server_version(url: str) -> str:
    import psycopg
    from sqlalchemy import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        return connection.execute("SHOW server_version").fetchone()[0].split()[0]


def _ratio(a, b):
    return round(b / a, 2) if a and b is not None else None


def growth(scales: dict) -> dict:
    """Each figure at the largest scale over the smallest (p50, p95, throughput, scans)."""
    if len(scales) < 2:
        return {}
    low, high = scales[min(scales, key=float)], scales[max(scales, key=float)]
    pages = {}
    for name, page in high["pages"].items():
        before = low["pages"].get(name, {})
        if not (page.get("available") and before.get("available")):
            continue
        pages[name] = {
            "p50": _ratio(before["p50_ms"], page["p50_ms"]),
            "p95": _ratio(before["p95_ms"], page["p95_ms"]),
            "rps": _ratio(before["rps"], page["rps"]),
            "queries": [before["queries"], page["queries"]],
        }
    scans = {
        name: {
            "ms": _ratio(low["scans"][name]["ms"], s["ms"]),
            "queries": [low["scans"][name]["queries"], s["queries"]],
        }
        for name, s in high["scans"].items()
        if name in low["scans"]
    }
    return {"pages": pages, "scans": scans}


def targets(results: dict) -> list[dict]:
    """The issue's targets, judged at the largest scale (growth: smallest → largest)."""
    scales = results["scales"]
    top = scales[max(scales, key=float)]
    grown = results.get("growth", {})
    found = []

    def judge(target: str, subject: str, met: bool | None, figure: str) -> None:
        found.append({"target": target, "subject": subject, "met": met, "figure": figure})

    for name, page in top["pages"].items():
        if not page.get("available"):
            judge("available", name, None, f"not available ({page.get('status')})")
            continue
        measured = [
            s["pages"][name] for s in scales.values() if s["pages"].get(name, {}).get("available")
        ]
        judge(
            "≤ 15 queries, same at every scale",
            name,
            max(p["queries"] for p in measured) <= BUDGET_QUERIES
            and len({p.get("queries_mode", p["queries"]) for p in measured}) == 1,
            " / ".join(_count(p) for p in measured),
        )
        judge("p95 ≤ 150 ms", name, page["p95_ms"] <= BUDGET_MS, f"{page['p95_ms']} ms")
        g = grown.get("pages", {}).get(name)
        if g:
            judge(
                "growth ≤ 1.5× (median)",
                name,
                g["p50"] <= BUDGET_GROWTH,
                f"{g['p50']}× (p95 {g['p95']}×)",
            )
    for name, scan in top["scans"].items():
        found_at = [s["scans"][name] for s in scales.values() if name in s["scans"]]
        # the statements of a scan that found work (a scan that finds none stops after its
        # first query): constant means the same at every scale where it queued reminders
        working = {s["queries"] for s in found_at if s["queued"]} or {found_at[0]["queries"]}
        counts = " / ".join(f"{s['queries']} ({s['queued']} queued)" for s in found_at)
        judge(
            "scan ≤ 2 s, constant queries",
            name,
            scan["ms"] <= SCAN_MS and len(working) == 1,
            f"{scan['ms']} ms; queries {counts}",
        )
    calls = top["pages"].get("public call list", {})
    if calls.get("available"):
        share = calls["ratio_to_bare"]
        judge("≥ 30 % of bare throughput", "public call list", share >= BARE_SHARE, f"{share:.0%}")
    return found


def _count(page: dict) -> str:
    """The most statements a request made, and the usual number when some made fewer (a page
    whose figures are cached per worker makes more on a miss)."""
    most, usual = page["queries"], page.get("queries_mode", page["queries"])
    return str(most) if usual == most else f"{most} (usually {usual})"


def _mark(met) -> str:
    return "—" if met is None else ("met" if met else "**not met**")


def markdown(results: dict) -> str:
    m, st = results["machine"], results["settings"]
    scales = results["scales"]
    names = list(scales)
    lines = [
        f"### {results['date']}",
        "",
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {st['database']} on the same machine; "
        f"load average at the start {' / '.join(map(str, m['load_average_at_start']))} "
        f"(1, 5, 15 min; the machine is shared, above {m['cores']} a process waits for a CPU). "
        f"gunicorn {st['gunicorn_workers']} sync workers, production configuration; "
        f"{st['runs']} sequential requests per page (p50, p95), then {st['concurrency']} load "
        f"processes for {st['duration_s']:g} s (throughput).",
        "",
    ]
    for name in names:
        s = scales[name]
        rows = s["rows"]
        lines.append(
            f"Scale {name}: seeded in {s['seed_seconds']} s ({rows.get('applications', 0):,} applications, "
            f"{rows.get('reviews', 0):,} reviews, {rows.get('scores', 0):,} scores, {rows.get('projects', 0):,} projects, "
            f"{rows.get('activity_records', 0):,} activity records, {rows.get('notifications', 0):,} notifications, "
            f"{rows.get('audit_events', 0):,} audit events); load average after {' / '.join(map(str, s['load_average']))}; "
            f"bare Flask route {s['bare_rps']} req/s."
        )
    lines += [
        "",
        _pages_table(results, names),
        "",
        _scans_table(results, names),
        "",
        "Targets:",
        "",
    ]
    lines += ["| target | subject | figure | |", "|---|---|---|---|"]
    lines += [
        f"| {t['target']} | {t['subject']} | {t['figure']} | {_mark(t['met'])} |"
        for t in results["targets"]
    ]
    return "\n".join(lines) + "\n"


def _pages_table(results: dict, names: list[str]) -> str:
    scales = results["scales"]
    head = (
        "| page | who | "
        + " | ".join(f"p50 / p95 ms @{n}" for n in names)
        + " | "
        + " | ".join(f"req/s (× bare) @{n}" for n in names)
        + " | queries | growth p50 |"
    )
    lines = [head, "|" + "---|" * (4 + 2 * len(names))]
    first = scales[names[0]]["pages"]
    for page_name, page in first.items():
        cells, rates = [], []
        for n in names:
            p = scales[n]["pages"].get(page_name, {})
            if not p.get("available"):
                cells.append("not available")
                rates.append("—")
                continue
            cells.append(f"{p['p50_ms']} / {p['p95_ms']}")
            rates.append(f"{p['rps']} ({p['ratio_to_bare']:.0%})")
        counts = " / ".join(
            _count(scales[n]["pages"][page_name])
            if scales[n]["pages"].get(page_name, {}).get("available")
            else "—"
            for n in names
        )
        g = results.get("growth", {}).get("pages", {}).get(page_name, {})
        grown = f"{g['p50']}×" if g else "—"
        lines.append(
            f"| {page_name} | {page['who']} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(rates)
            + f" | {counts} | {grown} |"
        )
    return "\n".join(lines)


def _scans_table(results: dict, names: list[str]) -> str:
    scales = results["scales"]
    lines = [
        "| reminder scan | " + " | ".join(f"ms / queries / queued @{n}" for n in names) + " |",
        "|" + "---|" * (1 + len(names)),
    ]
    for scan in scales[names[0]]["scans"]:
        cells = []
        for n in names:
            s = scales[n]["scans"].get(scan)
            cells.append(f"{s['ms']} / {s['queries']} / {s['queued']}" if s else "—")
        lines.append(f"| {scan} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(results: dict, folder: Path) -> None:
    """The JSON file (replaced), and the section added first under HEADER in RESULTS.md."""
    (folder / "results-district.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n"
    )
    path = folder / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    section = markdown(results)
    if HEADER not in text:
        first = text.index("\n## ")
        text = (
            text[: first + 1]
            + f"{HEADER}\n\nWritten by `bench/run` (bench/README.md), newest first.\n\n"
            + text[first + 1 :]
        )
    at = text.index(HEADER)
    intro_end = text.index("newest first.\n\n", at) + len("newest first.\n\n")
    text = text[:intro_end] + section + "\n" + text[intro_end:]
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} and {folder / 'results-district.json'}")

"""The read benchmark's report: a markdown table, a summary against the targets, a PNG chart.

The targets are DESIGN.md §5's (issue 7): with the first level of changes (1,000 rows at full
scale) the median branch ÷ base ratio ≤ 1.5x and none worse than 3x; with the second (10,000)
none worse than 5x. A timed-out branch query counts as worse than any ratio.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from branchdb.bench.readmeasure import Cell
from branchdb.bench.readqueries import Query

#: (median ≤, worst ≤) per change level index; None = no target.
TARGETS: dict[int, tuple[float | None, float | None]] = {1: (1.5, 3.0), 2: (None, 5.0)}


@dataclass
class Results:
    header: list[str]
    levels: list[int]
    queries: list[Query]
    #: cells[level index][query index]
    cells: list[list[Cell]]
    timeout_s: float


def label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _ms(v: float | None, timeout: bool, error: str) -> str:
    if timeout:
        return "timeout"
    if error:
        return "error"
    return "-" if v is None else (f"{v:.2f}" if v < 10 else f"{v:.0f}")


def _ratio(c: Cell) -> str:
    if c.branch.timeout:
        return "timeout"
    r = c.ratio
    return "-" if r is None else f"{r:.2f}"


def _sort_key(c: Cell) -> float:
    """Ratio for ranking; a timeout or error ranks above every measured ratio."""
    r = c.ratio
    return math.inf if r is None else r


def _unmeasured(c: Cell) -> str:
    """Why a cell has no ratio: the branch failed or timed out, or the base did."""
    if c.branch.error:
        return "branch error"
    if c.branch.timeout:
        return "branch timeout"
    return "base unmeasured"


def _fmt(v: float) -> str:
    return "unmeasured" if math.isinf(v) else f"{v:.2f}x"


def summary(res: Results) -> list[str]:
    lines = []
    for li, level in enumerate(res.levels):
        cells = res.cells[li]
        keys = sorted(_sort_key(c) for c in cells)
        med = statistics.median(keys)
        worst_i = max(range(len(cells)), key=lambda i: _sort_key(cells[i]))
        worst = _sort_key(cells[worst_i])
        verdicts = []
        med_t, worst_t = TARGETS.get(li, (None, None))
        if med_t is not None:
            verdicts.append(f"median ≤ {med_t}x {'met' if med <= med_t else 'MISSED'}")
        if worst_t is not None:
            verdicts.append(f"worst ≤ {worst_t:g}x {'met' if worst <= worst_t else 'MISSED'}")
        worst_text = _fmt(worst) if math.isfinite(worst) else _unmeasured(cells[worst_i])
        lines.append(
            f"- **{label(level)} changed rows**: median {_fmt(med)}, worst {worst_text}"
            f" ({res.queries[worst_i].name})" + (f"; {', '.join(verdicts)}" if verdicts else "")
        )
    return lines


def markdown(res: Results) -> str:
    heads = ["query", "direct ms"]
    for level in res.levels:
        n = label(level)
        heads += [f"base {n}", f"branch {n}", f"x {n}"]
    heads += ["rows", "check"]
    lines = [*res.header, "", "| " + " | ".join(heads) + " |"]
    lines.append("|---|" + "---:|" * (len(heads) - 3) + "---:|---|")
    for qi, q in enumerate(res.queries):
        cells = [res.cells[li][qi] for li in range(len(res.levels))]
        direct = [ms for c in cells for ms in c.direct.ms]
        med_direct = statistics.median(direct) if direct else None
        row = [
            q.name + (" †" if q.two_dirty else ""),
            _ms(med_direct, cells[0].direct.timeout, cells[0].direct.error),
        ]
        for c in cells:
            row += [
                _ms(c.base.median, c.base.timeout, c.base.error),
                _ms(c.branch.median, c.branch.timeout, c.branch.error),
                _ratio(c),
            ]
        checks = {label(lv): c.check for lv, c in zip(res.levels, cells, strict=True)}
        bad = [f"{c} at {n}" for n, c in checks.items() if c != "ok"]
        rows = cells[-1].rows
        row += ["-" if rows is None else str(rows), "ok" if not bad else ", ".join(bad)]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "† `orders` changed on the branch as well (same number of changed rows as `users`)."
        " At 0 changed rows the branch's tables are clean: its reads go through unchanged.",
        f"Times are client-side medians in ms; timeout = over {res.timeout_s:g} s. rows = the"
        " branch's result at the last level; check = branch result equal to the real copy's.",
        "",
        "## Summary",
        "",
        *summary(res),
    ]
    return "\n".join(lines) + "\n"


def chart(res: Results, path: Path) -> None:
    """Grouped bars of branch ÷ base per query and level, target lines at 1.5x and 3x."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_q, n_l = len(res.queries), len(res.levels)
    width = 0.8 / n_l
    fig, ax = plt.subplots(figsize=(max(10.0, n_q * 0.8), 5.5))
    top = 1.0
    for li, level in enumerate(res.levels):
        xs, heights, hatches = [], [], []
        for qi in range(n_q):
            c = res.cells[li][qi]
            r = c.ratio
            base = c.base.median
            if r is None and c.branch.timeout and base:
                r = res.timeout_s * 1000 / base  # at least this much: drawn hatched
            x = qi + (li - (n_l - 1) / 2) * width
            if r is None:
                why = "error" if c.branch.error else "no base"
                ax.text(x, 1.0, why, rotation=90, color="red", ha="center", fontsize=7)
                continue
            xs.append(x)
            heights.append(r)
            hatches.append("//" if c.branch.timeout else "")
            top = max(top, r)
        bars = ax.bar(xs, heights, width, label=f"{label(level)} changed rows")
        for bar, hatch in zip(bars, hatches, strict=True):
            bar.set_hatch(hatch)
    ax.axhline(1.5, color="tab:orange", linestyle="--", linewidth=1, label="1.5x (median target)")
    ax.axhline(3.0, color="tab:red", linestyle="--", linewidth=1, label="3x (worst target)")
    ax.axhline(5.0, color="tab:red", linestyle=":", linewidth=1, label="5x (worst, 2nd level)")
    if top > 10:
        ax.set_yscale("log")
    ax.set_xticks(range(n_q))
    ax.set_xticklabels(
        [q.name + (" †" if q.two_dirty else "") for q in res.queries], rotation=40, ha="right"
    )
    ax.set_ylabel("branch ÷ base (same proxy)")
    ax.set_title("branchdb merged reads: branch time ÷ base time (hatched: timed out, at least)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)

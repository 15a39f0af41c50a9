"""``geoplan plan``: with this year's budget, the projects that close the most gaps; ``--accept`` writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from geoplan.cli.app import app
from geoplan.cli.options import DataDirOpt, DemOpt, DistanceOpt, LangOpt, measured, settings_from, store_from
from geoplan.errors import GeoplanError

console = Console()


@app.command("plan")
def plan_command(
    budget: Annotated[float, typer.Option("--budget", help="Budget in 万元.")],
    year: Annotated[int | None, typer.Option("--year", help="Plan year (projects are planned for it).")] = None,
    theme: Annotated[
        list[str] | None, typer.Option("--theme", help="Only gaps of this theme (transport, water …); repeatable.")
    ] = None,
    only_candidates: Annotated[
        bool, typer.Option("--only-candidates", help="Choose among the planner's candidates (status candidate) only.")
    ] = False,
    method: Annotated[str, typer.Option("--method", metavar="auto|exact|greedy", help="Solver.")] = "auto",
    distance: DistanceOpt = None,
    dem: DemOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the proposal as GeoJSON to this file.")] = None,
    accept: Annotated[
        bool, typer.Option("--accept", help="Write the chosen projects into the layers (status planned), one change.")
    ] = False,
    standards: Annotated[Path | None, typer.Option("--standards", help="Standards file.")] = None,
    data_dir: DataDirOpt = None,
    lang: LangOpt = None,
) -> None:
    """Choose the projects that newly cover the most weighted households within the budget (万元)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from geoplan.analysis import load_standards
    from geoplan.analysis.plan import plan, proposal_collection

    if method not in ("auto", "exact", "greedy"):
        raise GeoplanError(f"unknown method {method!r} (auto, exact or greedy)")
    if not budget >= 0:
        raise GeoplanError("the budget must be a non-negative number of 万元")
    settings = settings_from(data_dir, lang, standards_path=standards)
    zh = settings.lang == "zh"
    store = store_from(settings)
    std = measured(load_standards(settings.standards_path, store.catalogue), distance, dem)
    known = set(store.catalogue.themes)
    for t in theme or []:
        if t not in known:
            raise GeoplanError(f"unknown theme {t!r} (choose from {', '.join(sorted(known))})")
    stages = {
        "read": ("读取图层", "reading layers"),
        "candidates": ("分析缺口并生成候选项目", "analysing the gaps and generating candidates"),
        "choose": ("在预算内选择项目", "choosing within the budget"),
        "after": ("分析规划后的效果", "analysing the effect"),
    }
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:  # fmt: skip
        task = bar.add_task("")

        def show(key: str) -> None:
            zh_text, en_text = stages[key]
            bar.update(task, description=f"{zh_text} {en_text} …" if zh else f"{en_text} …")

        show("read")
        frames = store.frames()
        p = plan(
            frames, std, budget, year=year, themes=theme, generated=not only_candidates, method=method,  # type: ignore[arg-type]
            catalogue=store.catalogue, lang=settings.lang, progress=show,
        )  # fmt: skip
    c = p.choice
    if c.method == "exact":
        how = "精确求解(MILP)" if zh else "exact (MILP)"
    else:
        share = c.value / c.bound if c.bound > 0 else 1.0
        how = f"贪心近似(不低于上界的{share:.0%})" if zh else f"greedy (≥ {share:.0%} of the bound)"
    if zh:
        console.print(
            f"预算{budget:g}万元:从{len(p.candidates)}个候选项目中选出{len(p.chosen)}个,合计{c.cost:,.1f}万元,"
            f"新增覆盖{p.chosen['households'].sum():,.0f}户(各指标合计),加权{c.value:,.0f};{how}。",
            soft_wrap=True,
        )
    else:
        console.print(
            f"Budget {budget:g} 万元: {len(p.chosen)} of {len(p.candidates)} candidates, {c.cost:,.1f} 万元, newly "
            f"covering {p.chosen['households'].sum():,.0f} households (summed over indicators), "
            f"weighted {c.value:,.0f}; {how}.",
            soft_wrap=True,
        )
    table = Table(show_lines=False)
    heads = (
        ("项目", "Project"), ("图层", "Layer"), ("行政村", "Village"), ("长度(m)", "Length (m)"),
        ("投资(万元)", "Cost (万元)"), ("新增覆盖(户)", "Newly covered (hh)"), ("指标", "Indicators"),
    )  # fmt: skip
    for h in heads:
        table.add_column(h[0] if zh else h[1])
    names = {
        str(k): v for k, v in zip(p.before.villages["village_code"], p.before.villages["village_name"], strict=True)
    }
    for r in p.chosen.itertuples(index=False):
        table.add_row(
            str(r.name), store.catalogue.layer(r.layer).title(settings.lang), names.get(str(r.village_code), "—"),
            f"{r.length_m:,.0f}" if r.length_m else "—", f"{r.cost_wan:,.1f}", f"{r.households:,.0f}", r.indicators,
        )  # fmt: skip
    console.print(table)
    comp, changed = p.village_table()
    effect = Table(title="规划前后(规划情景)" if zh else "Before → after (plan scenario)")
    for h in (("行政村", "Village"), ("综合得分", "Composite"), ("变化的指标", "Indicators that change")):
        effect.add_column(h[0] if zh else h[1])
    labels = {i.key: i.name(settings.lang) for i in std.indicators}
    for row in comp.itertuples(index=False):
        mine = changed[changed["village_code"] == row.village_code]
        if not len(mine) and not (row.composite_after != row.composite_before):
            continue
        parts = [f"{labels.get(x.indicator, x.indicator)} {x.value_before:.0%}→{x.value_after:.0%}"
                 for x in mine.itertuples(index=False) if x.value_before == x.value_before]  # fmt: skip
        score = (
            f"{row.composite_before:.1f} → {row.composite_after:.1f}"
            if row.composite_before == row.composite_before
            else "—"
        )
        effect.add_row(str(row.village_name), score, "; ".join(parts))
    console.print(effect)
    if p.candidates.skipped:
        for layer, fid, why in p.candidates.skipped:
            console.print(f"{'跳过候选' if zh else 'skipped candidate'} {layer}/{fid}: {why}", markup=False)
    if out is not None:
        out.write_text(json.dumps(proposal_collection(p), ensure_ascii=False, indent=1), encoding="utf-8")
        console.print(f"{'已写出' if zh else 'written'}: {out}")
    if accept:
        if not len(p.chosen):
            raise GeoplanError("nothing chosen: nothing to accept")
        result = store.write_change(
            dict(p.inserts), dict(p.updates), op="plan",
            message=f"plan {budget:g} 万元" + (f" {year}" if year else ""),
        )  # fmt: skip
        console.print(
            f"已写入图层(状态:规划),变更 {result.change};撤销: geoplan undo {result.change}"
            if zh
            else f"written into the layers (status planned) as change {result.change}; "
            f"undo: geoplan undo {result.change}",
            soft_wrap=True,
        )

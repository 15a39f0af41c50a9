"""The annual work-report statistics (年度工作实绩统计): a paragraph and a table per theme, in md, html, json and as
a .docx in 公文 layout (GB/T 9704-2012: A4, margins 37/35/28/26 mm, title 方正小标宋 二号, body 仿宋_GB2312 三号 at a
fixed 28.95 pt line, headings 黑体 / 楷体, page numbers "— 1 —").

The numbers come from :func:`geoplan.analysis.annual.annual_figures`; this module only words and lays them out.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from geoplan.analysis.annual import AnnualFigures
from geoplan.layers import Catalogue, default_catalogue
from geoplan.reports.markdown import _md

FORMATS = ("md", "html", "json", "docx")
_ORDINALS = "一二三四五六七八九十"


def _num(x: float, unit: str) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if unit in ("km",):
        return f"{x:,.1f}"
    if unit == "%":
        return f"{x * 100:.1f}".removesuffix(".0") + "%"
    return f"{x:,.0f}"


def _amount(x: float, unit: str) -> str:
    return _num(x, unit) if unit == "%" else f"{_num(x, unit)}{unit}"


def _verb(name: str) -> str:
    """达 for a rate (普及率达96%), 为 for anything else (幼儿园可达为30%)."""
    return "达" if name.endswith("率") else "为"


def _sentence(row: pd.Series, lang: str) -> str:
    zh = lang == "zh"
    if row["kind"] == "indicator":
        value, target = _amount(row["done"], "%"), _amount(row["target"], "%")
        if row["short"] > 0:
            unit = row["short_unit"] if zh else {"户": "households"}.get(row["short_unit"], row["short_unit"])
            short = f"{row['short']:,.0f}{unit}" if zh else f"{row['short']:,.0f} {unit}"
            return f"{row['name']}{_verb(row['name'])}{value},距{target}目标差{short}" if zh else (
                f"{row['name']} {value}, {short} short of the {target} target"
            )  # fmt: skip
        if zh:
            return f"{row['name']}{_verb(row['name'])}{value},达到{target}目标"
        return f"{row['name']} {value}, target {target} met"
    done, unit = row["done"], row["unit"]
    if not math.isfinite(row["target"]):
        return f"{row['name']}完成{_amount(done, unit)}" if zh else f"{row['name']}: {_amount(done, unit)} done"
    share = _amount(row["share"], "%")
    text = (
        f"{row['name']}完成{_amount(done, unit)}(年度计划{_amount(row['target'], unit)},完成{share})"
        if zh
        else f"{row['name']}: {_amount(done, unit)} done of {_amount(row['target'], unit)} planned ({share})"
    )
    if row["ongoing"] > 0:
        text += f",在建及待建{_amount(row['ongoing'], unit)}" if zh else f", {_amount(row['ongoing'], unit)} under way"
    return text


def theme_title(theme: str, catalogue: Catalogue, lang: str) -> str:
    th = catalogue.themes.get(theme)
    return (th.zh if lang == "zh" else th.en) if th is not None else theme


def paragraphs(fig: AnnualFigures, catalogue: Catalogue | None = None, lang: str = "zh") -> list[tuple[str, str]]:
    """(theme title, paragraph) per theme: the year's works against the plan, then the indicators at year end."""
    catalogue = catalogue or default_catalogue()
    out = []
    for theme in fig.themes:
        rows = fig.items[fig.items["theme"] == theme]
        parts = [_sentence(r, lang) for _, r in rows.iterrows()]
        if lang == "zh":
            text = f"{fig.year}年," + ";".join(parts) + "。"
        else:
            text = f"{fig.year}: " + "; ".join(parts) + "."
        out.append((theme_title(theme, catalogue, lang), text))
    return out


def intro(fig: AnnualFigures, lang: str = "zh") -> str:
    if lang == "zh":
        extra = f"另有{fig.unranked}个行政村因缺少调查数据未计入指标。" if fig.unranked else ""
        return (
            f"以下统计依据图层数据生成:项目按年份统计,已完工的为实绩,{fig.year}年全部项目(已完工、在建、规划)为年度"
            f"计划;指标为{fig.year}年末现状(已完工及现状设施),按户加权,目标依标准文件。{extra}"
        )
    extra = f" {fig.unranked} villages are left out of the indicators (data not surveyed)." if fig.unranked else ""
    return (
        f"Generated from the layers: projects of {fig.year} (completed = done; all of the year's completed, under "
        f"construction and planned = the year's plan); indicators at the end of {fig.year}, household-weighted, "
        f"against the standards file's targets.{extra}"
    )


def table(fig: AnnualFigures, theme: str, lang: str = "zh") -> pd.DataFrame:
    """The theme's rows: item, unit, done (实绩), target (目标), share, short of target."""
    rows = fig.items[fig.items["theme"] == theme]
    zh = lang == "zh"
    return pd.DataFrame(
        {
            "项目" if zh else "Item": rows["name"],
            "实绩" if zh else "Done": [_amount(d, u) for d, u in zip(rows["done"], rows["unit"], strict=True)],
            "目标" if zh else "Target": [_amount(t, u) for t, u in zip(rows["target"], rows["unit"], strict=True)],
            "完成率" if zh else "Share": [_amount(s, "%") for s in rows["share"]],
            "差距" if zh else "Short": [
                "—" if (isinstance(s, float) and math.isnan(s)) else f"{s:,.1f}{u}" if u == "km" else f"{s:,.0f}{u}"
                for s, u in zip(rows["short"], rows["short_unit"], strict=True)
            ],
        }
    )


def default_title(year: int, lang: str = "zh") -> str:
    return f"{year}年乡村基础设施建设工作实绩统计" if lang == "zh" else f"Rural infrastructure works {year}"


def write_annual(
    fig: AnnualFigures, fmt: str, out_dir: Path, *, catalogue: Catalogue | None = None, lang: str = "zh",
    title: str | None = None,
) -> Path:  # fmt: skip
    """Write the statistics in one format (md, html, json, docx) as ``work_report_<year>.<fmt>``; returns the file."""
    catalogue = catalogue or default_catalogue()
    title = title or default_title(fig.year, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"work_report_{fig.year}.{fmt}"
    tmp = path.with_name(f".{path.name}.tmp")
    sections = paragraphs(fig, catalogue, lang)
    if fmt == "json":
        doc = {
            "year": fig.year,
            "title": title,
            "intro": intro(fig, lang),
            "themes": [
                {"theme": t, "title": name, "paragraph": text, "items": _records(fig.items[fig.items["theme"] == t])}
                for t, (name, text) in zip(fig.themes, sections, strict=True)
            ],
        }
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "md":
        lines = [f"# {title}", "", intro(fig, lang), ""]
        for k, (t, (name, text)) in enumerate(zip(fig.themes, sections, strict=True)):
            lines += [f"## {_ORDINALS[k % 10]}、{name}", "", text, "", _md(table(fig, t, lang)), ""]
        tmp.write_text("\n".join(lines), encoding="utf-8")
    elif fmt == "html":
        body = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro(fig, lang))}</p>"]
        for k, (t, (name, text)) in enumerate(zip(fig.themes, sections, strict=True)):
            body += [f"<h2>{_ORDINALS[k % 10]}、{html.escape(name)}</h2>", f"<p>{html.escape(text)}</p>",
                     table(fig, t, lang).to_html(index=False, escape=True, border=0)]  # fmt: skip
        page = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "<style>body{font-family:FangSong,STFangsong,serif;max-width:48em;margin:2em auto;line-height:1.8}"
            "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 8px}</style></head><body>"
            + "".join(body)
            + "</body></html>"
        )
        tmp.write_text(page, encoding="utf-8")
    elif fmt == "docx":
        _docx(fig, title, sections, lang).save(tmp)
    else:
        raise ValueError(f"unknown format {fmt!r} ({', '.join(FORMATS)})")
    return tmp.replace(path)


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]


def _docx(fig: AnnualFigures, title: str, sections: list[tuple[str, str]], lang: str):  # noqa: ANN202
    """The 公文 layout (GB/T 9704-2012) with python-docx."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)

    def font(run, name: str, size: float, bold: bool = False) -> None:  # noqa: ANN001
        run.font.name = name
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    def para(text: str, name: str, size: float = 16, *, indent: bool = True, center: bool = False):  # noqa: ANN202
        p = doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(28.95)  # 22 lines of 三号 on the 公文 page
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(size * 2)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        font(p.add_run(text), name, size)
        return p

    para(title, "方正小标宋简体", 22, indent=False, center=True)
    para("", "仿宋_GB2312")
    para(intro(fig, lang), "仿宋_GB2312")
    for k, (t, (name, text)) in enumerate(zip(fig.themes, sections, strict=True)):
        para(f"{_ORDINALS[k % 10]}、{name}", "黑体")
        para(text, "仿宋_GB2312")
        frame = table(fig, t, lang)
        tab = doc.add_table(rows=1, cols=len(frame.columns))
        tab.style = "Table Grid"
        tab.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, head in zip(tab.rows[0].cells, frame.columns, strict=True):
            cell.text = ""
            font(cell.paragraphs[0].add_run(str(head)), "黑体", 12)
        for values in frame.itertuples(index=False):
            cells = tab.add_row().cells
            for cell, v in zip(cells, values, strict=True):
                cell.text = ""
                font(cell.paragraphs[0].add_run(str(v)), "仿宋_GB2312", 12)
    # page numbers "— 1 —" centred in the footer (宋体 四号)
    footer = sec.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(footer.add_run("— "), "宋体", 14)
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
    font(run, "宋体", 14)
    font(footer.add_run(" —"), "宋体", 14)
    return doc

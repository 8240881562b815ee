"""The comparison study's PDF report, laid out from results.json alone.

The report reads only the results the analysis wrote (`records.study.StudyResults`, and the
figures it saved), so it can be rebuilt from results.json at any time without models or
TensorFlow, and a module added later shows up without report code of its own: every module
speaks the same ModuleOutcome shape.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import registerFont, registerFontFamily, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from healthopt.records.study import Cell, ModuleOutcome, ResultFigure, StudyResults
from healthopt.study.report_format import (
    APPENDIX_COLUMNS,
    BEST_MODEL_COLUMNS,
    NA,
    RUN_COLUMNS,
    STUDY_COLUMNS,
    appendix_row,
    best_model_row,
    escape,
    fmt_cell,
    method_items,
    mode_name,
    run_row,
    summary_row,
    title_lines,
)
from healthopt.study.stats import ALPHA

TITLE = "Comparison study: accuracy-only vs health-aware optimization"
MARGIN = 2 * cm
FRAME_WIDTH = A4[0] - 2 * MARGIN
FRAME_HEIGHT = A4[1] - 2 * MARGIN - 0.5 * cm
CELL_SIZE = 9
CELL_PADDING = 4


@dataclass(frozen=True)
class ReportInfo:
    path: Path
    pages: int
    seconds: float


@cache
def _font_family() -> tuple[str, str, str]:
    """(regular, bold, italic): DejaVu Sans where matplotlib ships it, for the Greek letters
    and symbols module text may hold (sigma, >=) that the PDF base fonts cannot show."""
    try:
        import matplotlib

        folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
        faces = [f"DejaVuSans{s}" for s in ("", "-Bold", "-Oblique", "-BoldOblique")]
        for face in faces:
            registerFont(TTFont(face, str(folder / f"{face}.ttf")))
        registerFontFamily(faces[0], *faces)  # normal, bold, italic, bold italic
        return faces[0], faces[1], faces[2]
    except Exception:  # any font problem: the base fonts still make a readable report
        return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"


class _Styles:
    def __init__(self) -> None:
        self.font, self.bold, self.italic = _font_family()

        def style(name: str, size: float, font: str | None = None, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(
                name, fontName=font or self.font, fontSize=size, leading=size * 1.3, **kw
            )

        self.title = style("Title", 18, self.bold, spaceAfter=10)
        self.h1 = style("H1", 14, self.bold, spaceBefore=14, spaceAfter=6, keepWithNext=1)
        # No keepWithNext: it would push a long table (and its title) whole to the next
        # page; `_Report.subheading` keeps the title off a page's last lines instead.
        self.h2 = style("H2", 11, self.bold, spaceBefore=8, spaceAfter=4)
        self.body = style("Body", 10, spaceAfter=4)
        self.strong = style("Strong", 10.5, self.bold, spaceBefore=6, spaceAfter=4)
        self.note = style("Note", 9, self.italic, spaceBefore=2, spaceAfter=6)
        self.caption = style("Caption", 9, self.italic, spaceBefore=3, spaceAfter=10)
        self.cell = style("Cell", CELL_SIZE)
        self.cell_right = style("CellRight", CELL_SIZE, alignment=TA_RIGHT)
        self.head = style("Head", CELL_SIZE, self.bold)
        self.head_right = style("HeadRight", CELL_SIZE, self.bold, alignment=TA_RIGHT)


def _markup(text: Any) -> str:
    return escape(text).replace("\n", "<br/>")


def _column_widths(rows: list[list[str]], st: _Styles) -> list[float]:
    """Each column as wide as its longest line when the page allows; otherwise every column
    keeps room for its longest word and the rest of the width goes where text is longest."""
    pad = 2 * CELL_PADDING + 1
    natural = [0.0] * len(rows[0])
    minimum = [0.0] * len(rows[0])
    for r, row in enumerate(rows):
        font = st.bold if r == 0 else st.font
        for j, cell in enumerate(row):
            lines = str(cell).split("\n")
            natural[j] = max(natural[j], *(stringWidth(s, font, CELL_SIZE) for s in lines))
            words = [w for s in lines for w in s.split()] or [""]
            longest = max(stringWidth(w, font, CELL_SIZE) for w in words)
            minimum[j] = max(minimum[j], min(longest, 0.3 * FRAME_WIDTH))
    if sum(natural) + pad * len(natural) <= FRAME_WIDTH:
        return [w + pad for w in natural]
    spare = FRAME_WIDTH - sum(minimum) - pad * len(minimum)
    if spare <= 0:
        scale = FRAME_WIDTH / (sum(minimum) + pad * len(minimum))
        return [(w + pad) * scale for w in minimum]
    slack = [n - m for n, m in zip(natural, minimum, strict=True)]
    return [m + pad + s * spare / sum(slack) for m, s in zip(minimum, slack, strict=True)]


def _table(header: list[str], rows: list[list[str]], st: _Styles, right: set[int]) -> Table:
    """A page-wide (at most) table of wrapped cells whose header repeats on every page."""
    width = len(header)
    rows = [(list(r) + [""] * width)[:width] for r in rows]
    heads = [
        Paragraph(_markup(h), st.head_right if j in right else st.head)
        for j, h in enumerate(header)
    ]
    cells = [
        [Paragraph(_markup(c), st.cell_right if j in right else st.cell) for j, c in enumerate(row)]
        for row in rows
    ]
    table = Table(
        [heads, *cells],
        colWidths=_column_widths([header, *rows], st),
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e4e8ee")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f7f9")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _bullets(items: list[str], st: _Styles) -> ListFlowable:
    return ListFlowable(
        [ListItem(Paragraph(_markup(item), st.body), leftIndent=12) for item in items],
        bulletType="bullet",
        start="\u2022",
        leftIndent=12,
        bulletFontName=st.font,
        bulletFontSize=10,
    )


def _figure(figure: ResultFigure, analysis_dir: Path, number: int, st: _Styles) -> Flowable:
    """The image at frame width (shorter when tall, so it and its caption fit one page)."""
    relative = figure.path
    path = analysis_dir / relative
    try:
        pixels_wide, pixels_high = ImageReader(str(path)).getSize()
    except Exception:  # missing or unreadable: the report must still be written
        state = "missing" if not path.is_file() else "unreadable"
        return Paragraph(_markup(f"(figure {state}: {relative or NA})"), st.note)
    scale = min(FRAME_WIDTH / pixels_wide, 0.62 * FRAME_HEIGHT / pixels_high)
    image = Image(str(path), pixels_wide * scale, pixels_high * scale, hAlign="CENTER")
    caption = Paragraph(f"Figure {number}. {_markup(figure.caption)}", st.caption)
    return KeepTogether([Spacer(1, 8), image, caption])


def _numeric_columns(rows: list[list[Cell]]) -> set[int]:
    """Columns whose values are all numbers (None aside) read best right-aligned."""
    columns = set()
    for j in range(max((len(r) for r in rows), default=0)):
        values = [r[j] for r in rows if j < len(r) and r[j] is not None]
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            columns.add(j)
    return columns


class _Report:
    """Builds the story section by section, numbering sections and figures as it goes."""

    def __init__(self, results: StudyResults, analysis_dir: Path, st: _Styles) -> None:
        self.results = results
        self.analysis_dir = analysis_dir
        self.st = st
        self.story: list[Flowable] = []
        self.section = 0
        self.figures = 0

    def heading(self, text: str) -> None:
        self.section += 1
        self.story.append(Paragraph(f"{self.section}. {_markup(text)}", self.st.h1))

    def subheading(self, text: Any) -> None:
        self.story += [CondPageBreak(3 * cm), Paragraph(_markup(text), self.st.h2)]

    def para(self, text: Any, style: ParagraphStyle | None = None) -> None:
        self.story.append(Paragraph(_markup(text), style or self.st.body))

    def table(self, header: list[str], rows: list[list[str]], right: set[int]) -> None:
        if rows:
            self.story.append(_table(header, rows, self.st, right))
        else:
            self.para("(no rows)", self.st.note)

    def build(self) -> list[Flowable]:
        self.title_block()
        self.executive_summary()
        self.hypothesis_and_method()
        for name, module in self.results.modules.items():
            self.module(name, module)
        self.appendix()
        self.heading("Conclusions")
        conclusions = self.results.conclusions
        if conclusions:
            self.story.append(_bullets(conclusions, self.st))
        else:
            self.para("No conclusions were recorded.", self.st.note)
        return self.story

    def title_block(self) -> None:
        self.story.append(Paragraph(_markup(TITLE), self.st.title))
        for label, value in title_lines(self.results):
            self.story.append(Paragraph(f"<b>{label}:</b> {_markup(value)}", self.st.body))

    def executive_summary(self) -> None:
        self.heading("Executive summary")
        summary = self.results.executive_summary
        rows = [summary_row(row) for row in summary.rows]
        if rows:
            self.story.append(_table(STUDY_COLUMNS, rows, self.st, {1, 2, 3, 4}))
            self.para(
                "Values are means over each mode's completed runs; the difference is "
                "health-aware minus accuracy-only.",
                self.st.note,
            )
        else:
            self.para("No summary metrics were recorded.", self.st.note)
        self.para(summary.verdict or "No verdict was recorded.", self.st.strong)
        if summary.winner is not None:
            self.para(
                f"Winner: {mode_name(summary.winner)} (significant at alpha = {ALPHA}).",
                self.st.strong,
            )
        self.subheading("Selected models")
        models = self.results.best_models.items()
        rows = [best_model_row(mode, model) for mode, model in models]
        self.table(BEST_MODEL_COLUMNS, rows, {2, 3, 4, 5, 6})

    def hypothesis_and_method(self) -> None:
        self.heading("Hypothesis")
        self.para(self.results.hypothesis or "No hypothesis was recorded.")
        self.heading("Method")
        self.story.append(_bullets(method_items(self.results), self.st))

    def module(self, name: str, module: ModuleOutcome) -> None:
        self.heading(module.title or name)
        if not module.available:
            self.para(module.reason or "The module was not available.", self.st.note)
            return
        summary, tables, figures = module.summary, module.tables, module.figures
        if summary:
            self.story.append(_bullets(summary, self.st))
        for table in tables:
            self.subheading(table.title or "Table")
            if table.columns:
                cells = [[fmt_cell(c) for c in row] for row in table.rows]
                self.table(table.columns, cells, _numeric_columns(table.rows))
            if table.note:
                self.para(table.note, self.st.note)
        for figure in figures:
            self.figures += 1
            self.story.append(_figure(figure, self.analysis_dir, self.figures, self.st))
        if not (summary or tables or figures):
            self.para("The module recorded no findings.", self.st.note)

    def appendix(self) -> None:
        self.heading("Statistical appendix")
        self.subheading("Hypothesis tests")
        rows = []
        for name, module in self.results.modules.items():
            title = module.title or name
            rows += [appendix_row(title, t) for t in module.tests]
        self.table(APPENDIX_COLUMNS, rows, {2, 6, 7})
        if rows:
            self.para(
                "Differences and effect sizes read health-aware minus accuracy-only. Where a "
                "row shows two tests, the first (t-test) is primary and the second (rank test) "
                "checks it without assuming normality.",
                self.st.note,
            )
        self.subheading("Optimization runs")
        runs = [run_row(run) for run in self.results.runs]
        self.table(RUN_COLUMNS, runs, {2, 4, 5, 6, 7, 8})


def _canvas_class(footer: str, font: str, counted: list[int]) -> type[Canvas]:
    """A canvas that holds pages back until the end, so each footer can say 'of N'."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            counted.append(len(self._pages))
            for page in self._pages:
                self.__dict__.update(page)
                self.setFont(font, 9)
                self.setFillColor(colors.grey)
                self.drawString(MARGIN, 1.2 * cm, footer)
                self.drawRightString(
                    A4[0] - MARGIN, 1.2 * cm, f"Page {self._pageNumber} of {len(self._pages)}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


class _Document(SimpleDocTemplate):
    """Adds every section heading to the PDF outline, so viewers show a clickable contents."""

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, Paragraph) and flowable.style.name == "H1":
            key = f"section{id(flowable)}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(flowable.getPlainText(), key, level=0)


def build_report(results: StudyResults, analysis_dir: Path, output: Path) -> ReportInfo:
    """Write the study's PDF to `output` (atomically) from its results; figure paths are
    read relative to `analysis_dir`."""
    start = time.perf_counter()
    st = _Styles()
    study_id = results.study_id or results.config.study_id or NA
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    doc = _Document(
        str(partial),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 0.5 * cm,
        title=TITLE,
        author="healthopt",
        subject=f"Comparison study {study_id}",
    )
    counted: list[int] = []
    story = _Report(results, Path(analysis_dir), st).build()
    story.append(Spacer(1, 0))
    doc.build(story, canvasmaker=_canvas_class(f"Comparison study {study_id}", st.font, counted))
    partial.replace(output)
    return ReportInfo(path=output, pages=counted[-1], seconds=time.perf_counter() - start)

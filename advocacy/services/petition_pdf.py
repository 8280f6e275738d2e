"""The PDF of a petition package (see petition_package): the petition, its count and its signers by riding.

Its own module so that reportlab is loaded only by the processes that build a package.
"""

from __future__ import annotations

import io
import re
import unicodedata
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape  # escapes text we write into markup; parses nothing  # nosec B406

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from ..catalog.markdown import markdown_to_text
from .petition_package import Package, Signer, sorted_signers

_LIST_ITEM = re.compile(r"\s*(-|\d+\.)\s|\s{3,}\S")  # markdown_to_text's list lines and their continuations

FONT, BOLD = "Vera", "VeraBd"
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"


@cache
def _fonts() -> set[int]:
    """Register Bitstream Vera (shipped inside reportlab): the standard PDF fonts cannot show every accent."""
    regular = TTFont(FONT, str(_FONT_DIR / "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, str(_FONT_DIR / "VeraBd.ttf")))
    return set(regular.face.charToGlyph)


def printable(text: str) -> str:
    """``text`` with letters the font lacks (ș, ạ) written without their accent rather than as empty boxes.

    The CSV keeps every name exactly as the signer wrote it.
    """
    glyphs = _fonts()
    if all(ord(ch) in glyphs for ch in text):
        return text
    out = []
    for ch in text:
        if ord(ch) not in glyphs:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            ch = base if base and all(ord(c) in glyphs for c in base) else ch
        out.append(ch)
    return "".join(out)


def _styles() -> dict[str, ParagraphStyle]:
    _fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=6)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=22, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=12, leading=16, spaceBefore=10,
                                  keepWithNext=1),  # never alone at the foot of a page
        "body": body,
        "item": ParagraphStyle("item", parent=body, leftIndent=18, firstLineIndent=-14),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.grey),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11, spaceAfter=0),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    # Names and texts are data, never markup: escape them for reportlab's mini-language.
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def _petition_text(markdown: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    flow: list[Flowable] = []
    for block in markdown_to_text(markdown).split("\n\n"):
        lines = block.split("\n")
        listed = all(_LIST_ITEM.match(line) for line in lines)
        for line in lines if listed else [block]:
            flow.append(_para(line.strip(), st["item"] if listed else st["body"]))
    return flow


def _table(rows: list[list[str]], widths: list[float], cell: ParagraphStyle) -> Table:
    # Plain strings draw fastest (thousands of rows); only a long one needs a paragraph to wrap in its column.
    table = Table([[_para(text, cell) if len(text) > 60 else printable(text) for text in row] for row in rows],
                  colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("FONT", (0, 0), (-1, 0), BOLD, 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f2f2")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render_pdf(package: Package) -> bytes:
    """The petition, its count and its signers grouped by riding (a count for each riding)."""
    st = _styles()
    plural = "s" if package.total != 1 else ""
    flow: list[Flowable] = [_para(package.title, st["title"]),
                  _para(f"For {package.recipient}. Delivered by {package.org_name} on "
                        f"{package.as_of:%B} {package.as_of.day}, {package.as_of.year}.", st["body"]),
                  _para(f"{package.total:,} signature{plural} in total.", st["heading"])]
    if package.riding:
        flow.append(_para(f"{len(package.signers):,} of them from {package.riding}: their names are listed below.",
                          st["body"]))
    for lang, text in package.texts:
        flow.append(_para("The petition" if lang == "en" else "La pétition (texte français)", st["heading"]))
        flow += _petition_text(text, st)
    flow.append(_para("Signatures by riding", st["heading"]))
    flow.append(_table([["Riding", "Signatures"], *([r, f"{n:,}"] for r, n in package.counts)],
                       [4.6 * inch, 1.2 * inch], st["cell"]))
    flow.append(_para("Signers", st["heading"]))
    flow.append(_para("Each signer gave their name and postal code; only the first three characters of the "
                      "postal code are shown.", st["small"]))
    groups: dict[str, list[Signer]] = {}
    for signer in sorted_signers(package.signers):
        groups.setdefault(signer.group, []).append(signer)
    for riding, members in groups.items():
        flow.append(_para(f"{riding}: {len(members):,} signature{'s' if len(members) != 1 else ''}",
                          st["heading"]))
        flow.append(_table([["Name", "Postal area"], *([f"{s.first_name} {s.last_name}", s.postal_area]
                                                       for s in members)], [4.6 * inch, 1.2 * inch], st["cell"]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=LETTER, title=package.title, author=package.org_name,
                            subject=f"Petition for {package.recipient}", leftMargin=inch, rightMargin=inch,
                            topMargin=0.8 * inch, bottomMargin=0.8 * inch)
    doc.build(flow, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.drawRightString(LETTER[0] - inch, 0.5 * inch, f"Page {doc.page}")
    canvas.restoreState()

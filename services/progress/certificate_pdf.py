"""A certificate as PDF (fpdf2), with a Unicode TrueType font so Vietnamese renders correctly.

The font is DejaVu Sans from Debian's fonts-dejavu-core (installed on Debian with fontconfig);
``CERTIFICATE_FONT_DIR`` points elsewhere if needed. fpdf2 embeds only the glyphs used.
"""
import os
from pathlib import Path

from fpdf import FPDF

from . import domain

FONT_DIR = Path(os.environ.get("CERTIFICATE_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))


def _font(name):
    path = FONT_DIR / name
    if not path.exists():
        raise RuntimeError(f"certificate font {path} is missing: apt-get install fonts-dejavu-core "
                           "or set CERTIFICATE_FONT_DIR")
    return str(path)


def render(certificate):
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Chứng nhận {certificate['serial']}")
    pdf.set_creator("Nền tảng đào tạo trực tuyến")
    pdf.add_font("DejaVu", "", _font("DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", _font("DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    width = pdf.epw

    def line(text, size, style="", gap=6):
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_y(28)
    line(certificate["issuer_name"], 14, "B")
    line("CHỨNG NHẬN HOÀN THÀNH KHÓA HỌC", 24, "B", gap=10)
    line("Chứng nhận Ông/Bà", 13)
    line(certificate["learner_name"], 26, "B")
    line("đã hoàn thành khóa học", 13)
    line(certificate["course_title"], 18, "B", gap=14)
    issued = domain.vietnam_day(certificate["issued_at"])
    line(f"Ngày cấp: {issued:%d/%m/%Y}    Số hiệu: {certificate['serial']}", 11, gap=2)
    line(f"Mã xác thực: {certificate['verification_code']}", 11)
    return bytes(pdf.output())

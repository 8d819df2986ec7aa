"""PDF drawn on the server (fpdf2) with a CJK TrueType font of the system: no browser on the server.

The font is PORTAL_PDF_FONT when set, else the first of the CJK fonts Debian packages install
(fonts-wqy-zenhei, which CI installs; fonts-wqy-microhei, fonts-noto-cjk, fonts-arphic-*), else any
font file under the system's font folders whose name says it is one of them. Without one the PDF is
refused with a message naming the package to install (Unavailable, 503), never drawn in boxes."""
from __future__ import annotations

import logging
from pathlib import Path

from portal.errors import Unavailable

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
KNOWN_FONTS = (
    "truetype/wqy/wqy-zenhei.ttc",
    "truetype/wqy/wqy-microhei.ttc",
    "opentype/noto/NotoSansCJK-Regular.ttc",
    "opentype/noto/NotoSerifCJK-Regular.ttc",
    "truetype/arphic/uming.ttc",
    "truetype/droid/DroidSansFallbackFull.ttf",
)
NAME_HINTS = ("wqy-zenhei", "wqy-microhei", "notosanscjk", "notoserifcjk", "sourcehan", "uming", "ukai",
              "droidsansfallback")
MISSING = ("服务器未安装中文字体，暂不能生成 PDF（运维：apt-get install fonts-wqy-zenhei，或以 PORTAL_PDF_FONT "
           "指定一个中文 TrueType 字体文件）。可先用浏览器打印本页。")

logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # it notes every table it does not subset


def cjk_font(configured: str = "", dirs: tuple[Path, ...] = FONT_DIRS) -> Path:
    """The CJK font file to draw with; Unavailable when the setting names no file or none is installed."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise Unavailable(f"PORTAL_PDF_FONT 指定的字体文件 {configured} 不存在。" + MISSING)
        return path
    for folder in dirs:
        for known in KNOWN_FONTS:
            if (folder / known).is_file():
                return folder / known
    for folder in dirs:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".ttc", ".otf") and any(h in path.name.lower() for h in NAME_HINTS):
                    return path
    raise Unavailable(MISSING)


def new_document(font: Path):
    """An A4 fpdf2 document with `font` loaded as "cjk" (the first face of a collection)."""
    from fpdf import FPDF

    document = FPDF(format="A4")
    document.set_margins(18, 18, 18)
    options = {"collection_font_number": 0} if font.suffix.lower() == ".ttc" else {}
    document.add_font("cjk", fname=str(font), **options)
    document.set_font("cjk", size=11)
    document.add_page()
    return document

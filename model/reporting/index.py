"""The reports index: one self-contained page linking every report with its metadata.

Every report page has a sidecar JSON (see :mod:`model.reporting.html`); the index lists them all,
grouped by experiment, with the date, language, code version, number of runs and a mark for
quick runs.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from model.reporting.fonts import with_embedded_font
from model.reporting.html import CSS_PATH, SIDECAR_MARK, atomic_write_text
from model.reporting.text import Text, available_languages

REPORT_ORDER = ("compare", "factorial", "scenario", "sensitivity", "calibration")
"""Order of the pages of one experiment in the index (the main page first)."""


def read_sidecars(reports_dir: Path) -> list[dict]:
    """Sidecars of every report under ``reports_dir``, each with its page's relative path.

    Files that are not report sidecars (no ``streetwise_report`` key) are ignored. Pages are
    ordered by experiment, full runs before quick runs, then :data:`REPORT_ORDER`, language.
    """
    found = []
    for path in sorted(Path(reports_dir).rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if not isinstance(data, dict) or SIDECAR_MARK not in data:
            continue
        page = path.parent / data["html"]
        data["href"] = page.relative_to(reports_dir).as_posix()
        found.append(data)
    order = {name: i for i, name in enumerate(REPORT_ORDER)}
    return sorted(
        found,
        key=lambda d: (
            d["experiment"],
            bool(d.get("quick")),
            order.get(d["report"], len(order)),
            d["lang"],
            d["href"],
        ),
    )


def language_name(lang: str) -> str:
    """A language's name in itself ("English", "中文"), or its code without a messages file."""
    if lang in available_languages():
        return Text(lang).messages.get("meta.name", lang)
    return lang


def index_html(sidecars: list[dict], t: Text) -> str:
    """The index page: one row per page, each language's page linked in its own row.

    The language column names each page's language in that language; a link carries the
    page's language (``hreflang``) and shows its title in it. Pages showing Chinese carry the
    Chinese font (:func:`model.reporting.fonts.with_embedded_font`).
    """
    head = [
        t("index.columns.experiment"),
        t("index.columns.report"),
        t("index.columns.language"),
        t("index.columns.date"),
        t("index.columns.code_version"),
        t("index.columns.runs"),
    ]
    rows = []
    for data in sidecars:
        quick = (
            f" <em>({html.escape(t.term('quick_run_banner'))})</em>" if data.get("quick") else ""
        )
        cells = [
            html.escape(str(data["experiment"])),
            f"<a hreflang='{html.escape(str(data['lang']))}' href='{html.escape(data['href'])}'>"
            f"{html.escape(str(data['title']))}</a>{quick}",
            html.escape(language_name(str(data["lang"]))),
            html.escape(str(data["date"])),
            html.escape(str(data["code_version"])),
            html.escape(t.number(data["n_runs"])),
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    header = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    empty = f"<p>{html.escape(t('index.empty'))}</p>" if not rows else ""
    css = CSS_PATH.read_text(encoding="utf-8")
    return with_embedded_font(
        f"<!DOCTYPE html>\n<html lang='{t.html_lang}'><head><meta charset='utf-8'/>"
        f"<title>{html.escape(t('index.title'))}</title><style>{css}</style></head>"
        f"<body class='jp-Notebook'><h1>{html.escape(t('index.title'))}</h1>"
        f"<p>{html.escape(t('index.intro'))}</p>{empty}"
        f"<table class='index'><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody>"
        f"</table></body></html>\n"
    )


def write_index(reports_dir: Path | str, *, lang: str = "en") -> Path:
    """Write ``reports_dir/index.html`` linking every report found below it.

    Returns:
        The index page.
    """
    reports_dir = Path(reports_dir)
    path = reports_dir / "index.html"
    atomic_write_text(path, index_html(read_sidecars(reports_dir), Text(lang)))
    return path

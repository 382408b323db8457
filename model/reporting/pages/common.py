"""Building blocks of the report pages: sections, figures as embedded images, provenance.

A page section is one HTML fragment (an ``IPython.display.HTML`` object in a notebook),
so a notebook cell is one call and the exported page holds the text, tables and images
with nothing a reader must decode from code.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Iterable, Mapping
from typing import Any

from IPython.display import HTML
from matplotlib.figure import Figure

from model.reporting.results import Results, code_version_text, provenance
from model.reporting.text import Text


def figure_html(figure: Figure, caption: str, *, css_class: str = "figure") -> str:
    """A figure as an embedded PNG (data URI) with its caption; the figure is released.

    Args:
        figure: the matplotlib figure.
        caption: one sentence saying what to see (also the image's alternative text).
        css_class: class of the ``<figure>`` element.
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    figure.clear()
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    text = html.escape(caption)
    return (
        f"<figure class='{css_class}'><img src='data:image/png;base64,{data}' alt='{text}'/>"
        f"<figcaption>{text}</figcaption></figure>"
    )


def paragraph(text: str, css_class: str = "") -> str:
    """A paragraph of escaped text."""
    attribute = f" class='{css_class}'" if css_class else ""
    return f"<p{attribute}>{html.escape(text)}</p>"


def bullets(items: Iterable[str], css_class: str = "") -> str:
    """An unordered list of escaped items."""
    attribute = f" class='{css_class}'" if css_class else ""
    return f"<ul{attribute}>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def section(section_id: str, title: str, *parts: str, level: int = 2) -> HTML:
    """A titled ``<section>`` for display in a notebook."""
    heading = f"<h{level}>{html.escape(title)}</h{level}>"
    return HTML(f"<section id='{section_id}'>{heading}{''.join(parts)}</section>")


def missing_table(t: Text, table: str) -> str:
    """A note that a section cannot be drawn because a results table is absent."""
    return paragraph(t("pages.missing_table", table=table), "note")


def duration_text(t: Text, seconds: float | None) -> str:
    """Wall time as hours and minutes."""
    if seconds is None:
        return t("format.not_available")
    minutes = round(seconds / 60.0)
    if minutes < 60:
        return t("format.minutes", minutes=t.number(max(minutes, 0)))
    return t("format.hours_minutes", hours=t.number(minutes // 60), minutes=t.number(minutes % 60))


def page_text(results: Results, lang: str) -> Text:
    """The language layer of a page on these results (factorial arms named by their measures)."""
    t = Text(lang)
    t.name_combinations(results.combinations())
    return t


def provenance_section(
    manifest: Mapping[str, Any], t: Text, *, generated: str | None = None
) -> HTML:
    """The provenance table that closes every report.

    Args:
        manifest: the results' ``manifest.json`` (or a record with the same keys, as the
            calibration page builds).
        t: the language layer.
        generated: date the page was generated (default today).
    """
    info = provenance(manifest)
    seeds = info["seeds"]
    shown = ", ".join(str(s) for s in seeds[:5]) + (", ..." if len(seeds) > 5 else "")
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    runs = t(
        "provenance.runs_value",
        ok=t.number(info["runs_ok"] or 0),
        failed=t.number(info["runs_failed"] or 0),
    )
    digest = (info["experiment_sha256"] or "")[:12]
    rows = [
        (t("provenance.code_version"), code_version_text(manifest)),
        (t("provenance.experiment"), f"{info['experiment']} ({info['experiment_file'] or ''})"),
        (t("provenance.experiment_hash"), digest or t("format.not_available")),
        (t("provenance.seeds"), t("provenance.seeds_value", n=t.number(len(seeds)), seeds=shown)),
        (t("provenance.number_of_runs"), runs),
        (t("provenance.executor"), info["executor"] or t("format.not_available")),
        (t("provenance.wall_time"), duration_text(t, info["wall_seconds"])),
        (t("provenance.period"), f"{info['started_at'] or ''} - {info['finished_at'] or ''}"),
        (t("provenance.package_versions"), packages or t("format.not_available")),
        (t("provenance.generated"), generated or dt.date.today().isoformat()),
    ]
    body = "".join(
        f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
    )
    table = f"<table class='provenance'><tbody>{body}</tbody></table>"
    return section("provenance", t("sections.provenance"), table)

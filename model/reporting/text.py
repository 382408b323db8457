"""Every string a reader sees, in one language: messages, domain terms and numbers.

Report-specific text (section titles, table headers, figure titles, axis labels, captions,
finding templates) lives in one messages file per language, ``messages/<lang>.yaml``, keyed
by dotted ids (``brief.title``). Domain terms (measures, outcomes, channels, issue types,
worker kinds, units) come from the glossary, ``messages/glossary.yaml``, which holds every language
side by side. English outcome labels come from the outcome registry (the glossary supplies
them for other languages, under the same key).

Numbers are formatted for the language's locale (digit grouping and decimal sign through
Babel); the unit is placed by a template of the messages file ("{value} %", "{value} yuan").
A name without an entry (an arm a user invented) falls back to readable words and is
recorded in :attr:`Text.missing`, so a test or the page can list what needs a translation.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.numbers import format_decimal

from model.config.paths import REPO_ROOT
from model.reporting import registry

PACKAGE_DIR = Path(__file__).resolve().parent
"""The reporting package's folder (templates, styles and messages live beside the code)."""

MESSAGES_DIR = PACKAGE_DIR / "messages"
"""One ``<lang>.yaml`` messages file per language, and the glossary."""

GLOSSARY_PATH = MESSAGES_DIR / "glossary.yaml"
"""Domain terms of every language side by side (English, Chinese, translator notes)."""


class MessageError(KeyError):
    """A message id or glossary entry is missing, or a template lacks a field."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def available_languages(messages_dir: Path = MESSAGES_DIR) -> list[str]:
    """Languages with a messages file, sorted (e.g. ``["en"]``); the glossary is not one."""
    return sorted(
        path.stem for path in Path(messages_dir).glob("*.yaml") if path.name != GLOSSARY_PATH.name
    )


MESSAGES_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (the same documents, about ten times faster:
0.25 s less in every notebook kernel, which reads the messages and the glossary afresh)."""


@cache
def _load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=MESSAGES_LOADER)  # a safe loader
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested messages as ``{"a.b.c": text}``; every leaf must be a string.

    Raises:
        ValueError: a leaf is not a string.
    """
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if not isinstance(key, str):
            raise ValueError(f"message key {prefix}{key!r} is not text; quote it in the YAML file")
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{full}."))
        elif isinstance(value, str):
            flat[full] = value
        else:
            raise ValueError(f"message {full!r} must be text, got {type(value).__name__}")
    return flat


def placeholders(template: str) -> set[str]:
    """Names of the ``{fields}`` in a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def humanise(name: str) -> str:
    """Readable words from an identifier: ``points_high`` -> ``Points high``."""
    words = name.replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:]


class Text:
    """The language layer: ``t("brief.title")``, ``t.arm("mini_program")``, ``t.percent(0.15)``.

    Args:
        lang: language code with a messages file (``"en"``).
        messages_dir: folder of the ``<lang>.yaml`` messages files.
        glossary_path: the glossary of domain terms.

    Raises:
        FileNotFoundError: there is no messages file for the language.
    """

    def __init__(
        self,
        lang: str = "en",
        *,
        messages_dir: Path = MESSAGES_DIR,
        glossary_path: Path = GLOSSARY_PATH,
    ) -> None:
        path = Path(messages_dir) / f"{lang}.yaml"
        if not path.is_file():
            known = ", ".join(available_languages(messages_dir)) or "none"
            raise FileNotFoundError(f"no messages for language {lang!r} (available: {known})")
        self.lang = lang
        self.messages = flatten(_load_yaml(path))
        self.glossary = _load_yaml(Path(glossary_path))
        self.locale = self.messages.get("meta.locale", lang)
        self.html_lang = self.messages.get("meta.html_lang", lang)
        families = self.messages.get("meta.font_families", "DejaVu Sans")
        self.font_families = [name.strip() for name in families.split(",") if name.strip()]
        self.missing: set[tuple[str, str]] = set()
        self.combinations: dict[str, tuple[str, str]] = {}

    # ------------------------------------------------------------------ messages

    def __call__(self, key: str, /, **fields: Any) -> str:
        """The message ``key`` with its ``{fields}`` filled in.

        Raises:
            MessageError: no such message, or a field of the template was not given.
        """
        if key not in self.messages:
            raise MessageError(f"no message {key!r} in messages/{self.lang}.yaml")
        template = self.messages[key]
        try:
            return template.format(**fields)
        except KeyError as error:
            raise MessageError(
                f"message {key!r} needs the field {error.args[0]!r} ({self.lang})"
            ) from None

    def has(self, key: str) -> bool:
        """Whether the messages file has ``key``."""
        return key in self.messages

    def cardinal(self, count: int) -> str:
        """A small count in words where the language has them ("nine"), else digits."""
        key = f"cardinals.n{int(count)}"
        return self.messages[key] if key in self.messages else self.number(count)

    def join(self, items: Iterable[str]) -> str:
        """A list in running text: "a, b and c"."""
        items = list(items)
        if len(items) <= 1:
            return "".join(items)
        head = self("format.list_separator").join(items[:-1])
        return self("format.list_and", head=head, last=items[-1])

    # ------------------------------------------------------------------ domain terms

    def _glossary(self, section: str, name: str) -> str | None:
        entry = (self.glossary.get(section) or {}).get(name)
        if isinstance(entry, Mapping) and isinstance(entry.get(self.lang), str):
            return entry[self.lang]
        return None

    def _fallback(self, family: str, name: str) -> str:
        self.missing.add((family, name))
        return humanise(name)

    def term(self, key: str) -> str:
        """A report term of the glossary (``report_terms.<key>``).

        Raises:
            MessageError: the glossary has no such term in this language.
        """
        found = self._glossary("report_terms", key)
        if found is None:
            raise MessageError(f"glossary has no report term {key!r} in {self.lang!r}")
        return found

    def name_combinations(self, switched_on: Mapping[str, Sequence[str]]) -> None:
        """Name the arms of a factorial experiment by the measures they switch on.

        A factorial arm is called ``posts=on,points=off,...`` in the results; readers see
        "Designated posts + Points" (and "designated posts and points for reports" in a
        sentence), or "No measure" for the arm with every measure off.

        Args:
            switched_on: arm name -> lever keys (or measure ids) switched on in that arm.
        """
        for arm, levers in switched_on.items():
            if levers:
                label = self("format.combination").join(self.lever(key) for key in levers)
                in_text = self.join([self.lever_in_text(key) for key in levers])
            else:
                label, in_text = self("terms.no_measure"), self("terms.no_measure_in_text")
            self.combinations[arm] = (label, in_text)

    def arm(self, name: str) -> str:
        """Plain name of an experiment arm: messages ``arms.<name>``, else the measure's name."""
        if name in self.combinations:
            return self.combinations[name][0]
        key = f"arms.{name}"
        if key in self.messages:
            return self.messages[key]
        return self._glossary("levers", name) or self._fallback("arms", name)

    def arm_in_text(self, name: str) -> str:
        """An arm's name inside a sentence ("the report mini-program with feedback").

        Uses ``arms_in_text.<name>`` where the language has a running-text form, else
        :meth:`arm`.
        """
        if name in self.combinations:
            return self.combinations[name][1]
        key = f"arms_in_text.{name}"
        return self.messages[key] if key in self.messages else self.arm(name)

    def reference_phrase(self, name: str) -> str:
        """How the comparison is named in sentences ("today's street without ...")."""
        key = f"reference_phrases.{name}"
        if key in self.messages:
            return self.messages[key]
        return self("reference_phrases.other", arm=self.arm_in_text(name))

    def lever(self, key: str) -> str:
        """Name of a measure from its id (``points``) or a lever key (``policies.points.x``)."""
        lever_id = lever_id_of(key)
        return self._glossary("levers", lever_id) or self._fallback("levers", lever_id)

    def lever_in_text(self, key: str) -> str:
        """A measure's name inside a sentence (``arms_in_text.<id>``, else :meth:`lever`)."""
        text_key = f"arms_in_text.{lever_id_of(key)}"
        return self.messages[text_key] if text_key in self.messages else self.lever(key)

    def outcome_in_text(self, name: str) -> str:
        """An outcome's label inside a sentence (``outcomes_in_text.<name>``, else the label)."""
        key = f"outcomes_in_text.{name}"
        return self.messages[key] if key in self.messages else self.outcome_label(name)

    def outcome_label(self, name: str) -> str:
        """Plain label of an outcome (registry in English, glossary otherwise)."""
        if self.lang == "en" and name in registry.OUTCOMES:
            return registry.english_label(name)
        derived = f"derived_outcomes.{name}"
        if derived in self.messages:
            return self.messages[derived]
        return self._glossary("outcomes", name) or self._fallback("outcomes", name)

    def channel(self, name: str) -> str:
        """Name of a report channel."""
        return self._glossary("channels", name) or self._fallback("channels", name)

    def issue_type(self, name: str) -> str:
        """Name of an issue type."""
        return self._glossary("issue_types", name) or self._fallback("issue_types", name)

    def worker_kind(self, name: str) -> str:
        """Name of a worker kind."""
        return self._glossary("worker_kinds", name) or self._fallback("worker_kinds", name)

    def unit(self, name: str) -> str:
        """A unit word of the glossary (``units.<name>``)."""
        return self._glossary("units", name) or self._fallback("units", name)

    def community(self, index: int) -> str:
        """Name of community ``index`` (0-based in the data, numbered from 1 for readers)."""
        return self("terms.community", number=int(index) + 1)

    def parameter(self, name: str) -> str:
        """Plain name of an uncertain model parameter (``parameters.<dotted name>``)."""
        key = f"parameters.{name}"
        return self.messages[key] if key in self.messages else self._fallback("parameters", name)

    def calibration_target(self, name: str, meaning: str) -> str:
        """What a calibration target measures, in plain words.

        The glossary's ``calibration_targets.<name>`` where it has the language; in English
        the target's own description (``meaning`` from the targets file) otherwise.
        """
        found = self._glossary("calibration_targets", name)
        if found is not None:
            return found
        if self.lang == "en":
            return meaning[:1].upper() + meaning[1:]
        return self._fallback("calibration_targets", name)

    def verdict(self, verdict: str) -> str:
        """Reader words for an analysis verdict ("better", "no detectable difference", ...)."""
        key = f"verdicts.{verdict.replace(' ', '_')}"
        return self(key)

    # ------------------------------------------------------------------ numbers

    def number(self, value: float, digits: int = 0, *, signed: bool = False) -> str:
        """A number with the locale's digit grouping, e.g. ``12,345.6`` or ``+38``.

        Infinite values read "not reached"; NaN reads "not available".
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self("format.not_available")
        if math.isinf(value):
            return self("format.not_reached")
        rounded = round(float(value), digits)
        if rounded == 0:
            rounded = 0.0
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        if signed:
            pattern = f"+{pattern};-{pattern}"
        return format_decimal(rounded, format=pattern, locale=self.locale)

    def percent(self, share: float, digits: int = 0, *, signed: bool = False) -> str:
        """A share as per cent: 0.153 -> "15 %" (template ``format.percent``)."""
        if share is None or not math.isfinite(share):
            return self.number(share)
        return self("format.percent", value=self.number(100.0 * share, digits, signed=signed))

    def points(self, share_change: float, digits: int = 1, *, signed: bool = True) -> str:
        """A change of a share in percentage points: 0.021 -> "+2.1 points"."""
        if share_change is None or not math.isfinite(share_change):
            return self.number(share_change)
        value = self.number(100.0 * share_change, digits, signed=signed)
        return self("format.points", value=value)

    def yuan(self, value: float, digits: int = 0, *, signed: bool = False) -> str:
        """An amount of money: "12,000 yuan"."""
        if value is None or not math.isfinite(value):
            return self.number(value)
        return self("format.yuan", value=self.number(value, digits, signed=signed))

    def hours(self, value: float, digits: int = 0, *, signed: bool = False) -> str:
        """A duration in hours: "138 hours"."""
        if value is None or not math.isfinite(value):
            return self.number(value)
        return self("format.hours", value=self.number(value, digits, signed=signed))

    def points_range(self, low: float, high: float, digits: int = 1) -> str:
        """An interval of share changes: "+22.1 to +24.8 percentage points"."""
        span = self.interval(
            self.number(100.0 * low, digits, signed=True),
            self.number(100.0 * high, digits, signed=True),
        )
        return self("format.points", value=span)

    def hours_range(self, low: float, high: float, *, signed: bool = False) -> str:
        """An interval of durations: "-30 to -12 hours"."""
        span = self.interval(self.number(low, signed=signed), self.number(high, signed=signed))
        return self("format.hours", value=span)

    def yuan_range(self, low: float, high: float, *, signed: bool = False) -> str:
        """An interval of amounts: "398 to 517 yuan"."""
        span = self.interval(self.number(low, signed=signed), self.number(high, signed=signed))
        return self("format.yuan", value=span)

    def interval(self, low: str, high: str) -> str:
        """Two formatted limits as an interval: "-19 % to -11 %"."""
        return self("format.interval", low=low, high=high)


def round_significant(value: float, figures: int = 3) -> float:
    """``value`` rounded to ``figures`` significant figures, at least to whole units.

    Amounts of yuan are shown this way: 153,456 -> 153,000; 47.3 -> 47.
    """
    if value is None or not math.isfinite(value) or value == 0:
        return value
    digits = figures - 1 - math.floor(math.log10(abs(value)))
    return float(round(value, min(digits, 0)))


def lever_id_of(key: str) -> str:
    """Measure id of a lever key: ``policies.points.enabled`` -> ``points``; ids pass through."""
    parts = key.split(".")
    if len(parts) >= 2 and parts[0] == "policies":
        return parts[1]
    return key


GLOSSARY_SECTIONS = {
    "levers": "Measures (措施)",
    "outcomes": "Outcomes (指标)",
    "channels": "Report channels (上报渠道)",
    "issue_types": "Types of problem (问题类型)",
    "worker_kinds": "New-employment workers (新就业群体)",
    "roles": "Posts of registered workers (岗位)",
    "departments": "Departments (职能部门)",
    "report_terms": "Report terms (报告用语)",
    "units": "Units (单位)",
    "calibration_targets": "Calibration targets (校准目标)",
}
"""Headings of the glossary's sections in ``docs/glossary.md``."""


def glossary_markdown(glossary_path: Path = GLOSSARY_PATH) -> str:
    """The glossary as a Markdown page (``docs/glossary.md``): one table per section.

    The page is generated from the YAML file the reports read, so the two cannot disagree
    (a test compares them).
    """
    glossary = _load_yaml(Path(glossary_path))
    lines = [
        "# Glossary: English and Chinese terms of the reports (术语表)",
        "",
        "Every domain term a report shows, in the words of the officials who read it:",
        "the 12345 three rates (三率: 响应率, 解决率, 满意率), 新就业群体 and its",
        "骑手, 快递员 and 网约车司机, 积分, 荣誉, 暖蜂驿站, 议事协商, 随手拍小程序,",
        "接诉即办. Generated from",
        "`model/reporting/messages/glossary.yaml`, which the reports read; change a term there and",
        "regenerate this page with",
        "`python -c 'from model.reporting.text import write_glossary_doc; write_glossary_doc()'`.",
        "Sentences, headings and captions are in `model/reporting/messages/<lang>.yaml`.",
    ]
    for section, entries in glossary.items():
        if not isinstance(entries, Mapping):
            continue
        lines += ["", f"## {GLOSSARY_SECTIONS.get(section, humanise(section))}", ""]
        lines += ["| Key | English | 中文 | Note |", "| --- | --- | --- | --- |"]
        for key, entry in entries.items():
            cells = [f"`{key}`", *(str(entry.get(name, "")) for name in ("en", "zh", "note"))]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def write_glossary_doc(path: Path | None = None) -> Path:
    """Write :func:`glossary_markdown` to ``docs/glossary.md`` (or ``path``)."""
    path = Path(path) if path is not None else REPO_ROOT / "docs" / "glossary.md"
    path.write_text(glossary_markdown(), encoding="utf-8")
    return path

"""Every uncertain parameter has its own words in every report language.

The reports' words for a parameter are the messages' ``parameters.<key>`` (one source per
language); ``scenarios/uncertainties.yaml`` stores none. A key without an entry would fall
back to its dotted name on the sensitivity page.
"""

from __future__ import annotations

import re

import pytest

from model.config.uncertainties import load_uncertainties
from model.reporting.synthetic.worlds import WORLDS_PARAMETERS
from model.reporting.text import Text, available_languages, humanise

LANGUAGES = available_languages()
KEYS = load_uncertainties().keys()
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_both_report_languages_are_checked():
    assert {"en", "zh"} <= set(LANGUAGES)
    assert len(KEYS) >= 12


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_uncertain_parameter_has_a_label(lang: str):
    t = Text(lang)
    missing = [key for key in KEYS if f"parameters.{key}" not in t.messages]
    assert not missing, f"messages/{lang}.yaml has no parameters entry for {missing}"
    labels = {key: t.parameter(key) for key in KEYS}
    assert not t.missing
    for key, label in labels.items():
        assert label.strip() and label != humanise(key) and key not in label, key
    repeated = {label for label in labels.values() if list(labels.values()).count(label) > 1}
    assert not repeated, f"{lang}: two parameters share the label {repeated}"


def test_chinese_labels_are_chinese_and_not_the_english_words():
    english, chinese = Text("en"), Text("zh")
    for key in KEYS:
        assert HAN.search(chinese.parameter(key)), key
        assert chinese.parameter(key) != english.parameter(key), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_label_for_a_parameter_nothing_samples(lang: str):
    # a label outlives its parameter only if the uncertainties file or the synthetic worlds
    # still use it
    known = set(KEYS) | set(WORLDS_PARAMETERS)
    labelled = {
        key.removeprefix("parameters.")
        for key in Text(lang).messages
        if key.startswith("parameters.")
    }
    assert labelled <= known, f"messages/{lang}.yaml labels {sorted(labelled - known)}"

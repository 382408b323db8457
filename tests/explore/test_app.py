"""The explorer page without a browser: SolaraViz's model parameters from the schema, the
hours-per-picture control, and the notebook that shows the page inline."""

from __future__ import annotations

import json

import papermill

from model.config.paths import REPO_ROOT
from model.config.scenario import ScenarioConfig
from model.explore import app, state


def test_model_params_mirror_the_specs_and_build_the_status_quo():
    assert app.model_params(seed=12)["seed"]["value"] == 12
    params = app.model_params()
    assert list(params) == [spec.key for spec in state.control_specs()]
    for spec in state.control_specs():
        param = params[spec.key]
        assert param["value"] == spec.default
        assert param["label"].startswith(spec.label)
        assert param["label"].endswith(" *") == spec.capped
        if spec.kind == "bool":
            assert param["type"] == "Checkbox"
        else:
            assert param["type"] == ("SliderInt" if spec.kind == "int" else "SliderFloat")
            assert (param["min"], param["max"]) == (spec.minimum, spec.maximum)
    values = {key: param["value"] for key, param in params.items()}
    seed = values.pop("seed")
    config = state.explorer_config(values)
    assert config.resolved() == ScenarioConfig().resolved()
    assert seed == state.DEFAULT_SEED


def test_hours_per_picture_keeps_only_the_page_choices():
    hours = app.HoursPerPicture(app.DEFAULT_RENDER_HOURS)
    assert app.DEFAULT_RENDER_HOURS == 24 and 24 in app.RENDER_CHOICES
    hours.set(25)  # what SolaraViz's odd-step slider writes back
    assert hours.value == 24
    hours.value = 48
    assert hours.value == 48


def test_notebook_is_stored_without_outputs_and_shows_the_page_inline(tmp_path):
    source = REPO_ROOT / "notebooks" / "explore.ipynb"
    stored = json.loads(source.read_text(encoding="utf-8"))
    code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert any("parameters" in c["metadata"].get("tags", []) for c in code)
    executed = tmp_path / "explore.ipynb"
    papermill.execute_notebook(
        str(source),
        str(executed),
        parameters={"seed": 9},
        cwd=str(REPO_ROOT),
        kernel_name="python3",
        progress_bar=False,
    )
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    assert any("seed = 9" in "".join(c["source"]) for c in cells)  # papermill's injected cell
    outputs = cells[-1]["outputs"]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert not any(o["output_type"] == "error" for c in cells for o in c.get("outputs", []))


def test_readme_shows_the_explorer_with_a_small_screenshot():
    from PIL import Image

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Explore interactively", 1)[1].split("\n## ", 1)[0]
    assert "make explore" in section and "notebooks/explore.ipynb" in section
    assert "](docs/explorer.png)" in section
    picture = REPO_ROOT / "docs" / "explorer.png"
    assert picture.stat().st_size < 150_000
    with Image.open(picture) as image:
        assert image.format == "PNG" and 600 <= image.width <= 1200

"""The GitHub Actions workflow: tests on every push and pull request, publishing after them."""

from __future__ import annotations

import pytest
import yaml
from project import CHROMIUMS, ROOT, chromium_to_launch, xdist_group

WORKFLOWS = ROOT / ".github" / "workflows"


@pytest.fixture(scope="module")
def workflow() -> dict:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [file.name for file in files] == ["ci.yml"], "one workflow, so nothing publishes alone"
    return yaml.safe_load(files[0].read_text(encoding="utf-8"))


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _triggers(workflow: dict) -> dict:
    return workflow[True]  # YAML 1.1 reads the key `on` as the boolean true


def test_every_push_and_pull_request_is_tested(workflow):
    """Pushes to any branch and pull requests run the test job, with no branch filter."""
    triggers = _triggers(workflow)
    assert triggers["push"] is None
    assert triggers["pull_request"] is None


def test_the_test_job_runs_the_readmes_commands_with_chromium(workflow):
    """Lint and test as the README says, after Chromium and a Korean font are installed."""
    runs = _runs(workflow["jobs"]["test"])
    assert runs == ["make browser", "make lint", "make test"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme
    assert "make lint" in readme


@pytest.mark.parametrize("job", ["test", "properdocs", "pages"])
def test_pip_and_the_figure_cache_are_cached(workflow, job):
    """Each building job restores pip's downloads and the content-keyed figure cache."""
    cached = [step["with"]["path"] for step in workflow["jobs"][job]["steps"] if "with" in step]
    assert "~/.cache/pip" in cached
    assert ".cache/cnnviz" in cached


def test_properdocs_builds_the_site_strictly(workflow):
    """A job builds the site with ProperDocs through the Makefile, which passes --strict."""
    assert _runs(workflow["jobs"]["properdocs"]) == ["make build DOCS=properdocs"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/$(DOCS) build -f mkdocs.yml --strict" in makefile


def test_pages_publish_from_main_only_after_the_tests(workflow):
    """The site is built for Pages only on a push to main, once both checks have passed."""
    jobs = workflow["jobs"]
    assert set(jobs["pages"]["needs"]) == {"test", "properdocs"}
    assert jobs["pages"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert jobs["deploy"]["needs"] == "pages"
    assert "id-token" not in workflow["permissions"]  # only the deploy job may publish
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_the_tests_that_share_a_module_fixture_share_a_worker(request, workflow):
    """Under `make test` (``--dist loadgroup``), a test that uses a module-scoped fixture (here
    the workflow, read once) is in its module's group, so the fixture is made on one worker."""
    assert xdist_group(request) == "test_ci"


def test_make_browser_installs_the_browsers_the_tests_drive():
    """`make browser`, which CI runs before the tests, checks for and installs each Chromium the
    browser fixture may launch, the headless shell first among them."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nbrowser:\n", 1)[1].split("\n\n", 1)[0]
    install = recipe.split("apt-get install", 1)[1].split()
    assert CHROMIUMS[0].name == "chromium-headless-shell"
    for path in CHROMIUMS:
        assert f"test -x {path}" in recipe
        assert path.name in install


def test_the_full_chromium_stands_in_for_the_shell_only_outside_ci(tmp_path):
    """Without the shell a developer's run takes the full Chromium; a CI run takes none and
    fails; with both, each takes the shell."""
    shell, full = tmp_path / "chromium-headless-shell", tmp_path / "chromium"
    full.touch()
    assert chromium_to_launch(ci=False, candidates=(shell, full)) == full
    assert chromium_to_launch(ci=True, candidates=(shell, full)) is None
    shell.touch()
    assert chromium_to_launch(ci=False, candidates=(shell, full)) == shell
    assert chromium_to_launch(ci=True, candidates=(shell, full)) == shell

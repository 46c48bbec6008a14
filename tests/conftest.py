"""Shared fixtures: the real corpus, the real index and model, and throwaway copies to damage."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
# The raw web articles corpus/ is made from, vendored: the repository tests itself.
SEEDS = REPO / "tests" / "fixtures" / "seeds"
# The tests never touch the user's settings or cache: a user's DEAL_ASSISTANT_RETRIEVER would
# change the answers, and their ONNX export is theirs. The tests' own cache lives in the checkout
# (ignored by git), so the encoder is exported once per checkout, not once per run.
for _name in [n for n in os.environ if n.startswith("DEAL_ASSISTANT_")]:
    del os.environ[_name]
TEST_CACHE = REPO / ".cache" / "tests"
os.environ["DEAL_ASSISTANT_CACHE_DIR"] = str(TEST_CACHE)
# Libraries' own caches too (onnxruntime's device id, matplotlib's font list): nothing a test run
# writes lands outside the checkout.
os.environ.setdefault("XDG_CACHE_HOME", str(TEST_CACHE / "libraries"))
os.environ.setdefault("MPLCONFIGDIR", str(TEST_CACHE / "libraries" / "matplotlib"))
# Temporary files as well: the system temp folder is outside the checkout.
(TEST_CACHE / "tmp").mkdir(parents=True, exist_ok=True)
os.environ["TMPDIR"] = str(TEST_CACHE / "tmp")
tempfile.tempdir = None  # read TMPDIR again


def pytest_configure(config):
    # tmp_path's folders live in the checkout's ignored cache too (pytest empties it each run).
    if not config.option.basetemp:
        config.option.basetemp = str(TEST_CACHE / "pytest")


@pytest.fixture(scope="session")
def repo_settings():
    from assistant.config import Settings

    return Settings(home=REPO, cache_dir=TEST_CACHE)


@pytest.fixture(scope="session")
def assistant(repo_settings):
    """The real assistant over the shipped index (rebuilt first if it is stale)."""
    from assistant.pipeline import Assistant

    return Assistant.load(repo_settings)


@pytest.fixture()
def home(tmp_path, repo_settings):
    """A copy of corpus/ and index/ that a test may change or damage."""
    from assistant.config import Settings

    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    shutil.copytree(REPO / "index", tmp_path / "index", ignore=shutil.ignore_patterns(".lock", "milvus.db"))
    return Settings(home=tmp_path, cache_dir=repo_settings.cache_dir)

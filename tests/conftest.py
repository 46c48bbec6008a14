"""Shared fixtures: the real corpus, the real index and model, and throwaway copies to damage."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def repo_settings():
    from assistant.config import Settings

    return Settings(home=REPO)


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
    shutil.copytree(REPO / "index", tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    return Settings(home=tmp_path, cache_dir=repo_settings.cache_dir)

"""Exceptions of deal-assistant: each names what went wrong and the fix."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a failure the user can act on; the CLI prints it in one line."""

    exit_code = 1


class BadQuestion(AssistantError):
    """The question is empty, too long or not text."""

    exit_code = 2


class BadSetting(AssistantError):
    """A setting, variable or flag has a value that cannot work (a wrong choice, a file for a folder)."""

    exit_code = 2


class ArticleError(AssistantError):
    """An article file cannot be read or decoded."""


class CorpusEmpty(AssistantError):
    """The corpus folder holds no readable article."""


class CorpusMissing(CorpusEmpty):
    """The corpus folder does not exist: a mistyped --home or --corpus."""

    exit_code = 2


class BadImport(AssistantError):
    """A path or pattern given to `import` names no readable article file."""

    exit_code = 2


class ImportConflict(AssistantError):
    """An imported article would overwrite another one; nothing was written."""

    exit_code = 2


class IndexMissing(AssistantError):
    """No built index where one is expected."""


class IndexCorrupt(AssistantError):
    """The index on disk fails its checks (truncated, edited, or half-written)."""


class IndexUnwritable(AssistantError):
    """The index folder cannot be written (read-only, not a folder, no space)."""

    exit_code = 2


class StoreUnavailable(AssistantError):
    """The passage store (Milvus) cannot be used: pymilvus missing, server unreachable, bad URI."""

    exit_code = 2


class ModelUnavailable(AssistantError):
    """A model could not be found or loaded offline."""


class SuiteError(AssistantError):
    """An evaluation suite file is malformed."""

    exit_code = 2


class DeviceUnavailable(AssistantError):
    """A microphone, speaker or speech engine is missing on this machine."""


class HeardNothing(AssistantError):
    """Listening ended with no speech; the REPL treats it as an ordinary turn."""

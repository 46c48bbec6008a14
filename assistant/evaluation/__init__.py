"""Evaluation: the scripted suite, running it, its metrics and reports."""

from pathlib import Path

# The names the CLI offers; kept here (no imports beyond pathlib) so building the parser for any
# command (`assistant ask`, `--help`) never imports the suite, run and metrics modules.
DEFAULT_SUITE = Path("eval") / "suite.yaml"  # relative to Settings.home

# Metric names a threshold may name, by direction.
HIGHER_IS_BETTER = (
    "accuracy",
    "citation_support",
    "hit_at_1",
    "hit_at_3",
    "mrr",
    "abstention_precision",
    "abstention_recall",
    "voice_accuracy",
)
LOWER_IS_BETTER = ("false_abstentions", "latency_p50_ms", "latency_p95_ms", "wer")

"""The diagnostics engine (seed 004): checks over a run's records, a 0-100 score, a report."""

from healthopt.diagnostics.engine import DiagnosticReport, run_diagnostics
from healthopt.diagnostics.issues import Category, Issue, Severity
from healthopt.diagnostics.records import DiagnosticInput
from healthopt.diagnostics.thresholds import DiagnosticThresholds, ThresholdError

__all__ = [
    "Category",
    "DiagnosticInput",
    "DiagnosticReport",
    "DiagnosticThresholds",
    "Issue",
    "Severity",
    "ThresholdError",
    "run_diagnostics",
]

"""The diagnostic checks, one module per category. Each module exports `CHECKS`, a list of
functions `(DiagnosticInput, DiagnosticThresholds) -> list[Issue]` named `check_<check>`."""

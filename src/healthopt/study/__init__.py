"""The comparison study: accuracy-only versus health-aware optimization, measured."""

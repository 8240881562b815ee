"""The HTTP API (`healthopt serve`): jobs, progress, best models, plots and downloads.

Importing this package needs the `server` extra (FastAPI, SQLAlchemy, uvicorn); the rest of
healthopt does not.
"""

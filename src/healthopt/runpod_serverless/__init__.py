"""RunPod serverless: the REST API v2 client the orchestrator uses, and the worker's handler."""

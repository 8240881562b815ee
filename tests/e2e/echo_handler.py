"""A runpod SDK worker that echoes its input: the emulator's own tests drive it.

Input keys (all optional): `sleep` seconds of blocking work, `fail` to return an error,
`progress` to send a progress update first (default on). The blocking sleep runs in a thread,
like a real trial, so the SDK's stop signal cancels the awaiting task while the event loop
stays free to take the next job.
"""

from __future__ import annotations

import asyncio
import time

import runpod


async def handler(job: dict) -> dict:
    """Report progress, optionally block for a while, then echo the input or fail."""
    job_input = job["input"]
    if job_input.get("progress", True):
        runpod.serverless.progress_update(job, {"stage": "started", "id": job["id"]})
    if job_input.get("sleep"):
        await asyncio.to_thread(time.sleep, float(job_input["sleep"]))
    if job_input.get("fail"):
        return {"error": f"asked to fail: {job_input['fail']}"}
    return {"echo": job_input}


if __name__ == "__main__":
    runpod.serverless.start({"handler": handler})

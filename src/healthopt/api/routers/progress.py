"""WS /ws/jobs/{id}: a job's progress events as they happen.

The socket first receives the job's status (`kind: "status"`), then every event the runner
publishes (run_started, trial_started, epoch_end, trial_finished, plots_drawn, job_status,
job_finished, run_finished), and is closed by the server once the job has ended.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect, status

from healthopt.api.deps import ServerState, get_files, lookup_job
from healthopt.api.schemas.progress import JobFinishedEvent, ProgressEvent, StatusEvent
from healthopt.api.security import token_matches
from healthopt.api.status import job_status

router = APIRouter(tags=["progress"])


def _status_event(state: ServerState, job_id: str) -> StatusEvent:
    record = state.store.get(job_id)
    compute = get_files(record, state).compute()
    return StatusEvent(**job_status(record, state.jobs.live(job_id), compute).model_dump())


@router.websocket("/ws/jobs/{job_id}")
async def job_progress(websocket: WebSocket, job_id: str) -> None:
    state: ServerState = websocket.app.state.healthopt
    if not token_matches(
        state.settings.token,
        websocket.headers.get("authorization"),
        websocket.query_params.get("token"),
    ):
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="bearer token")
        return
    try:
        lookup_job(state, job_id)
    except HTTPException:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no such job")
        return
    await websocket.accept()
    listener = state.jobs.hub.subscribe(job_id)
    try:
        # Subscribed before the snapshot, so nothing falls between the two.
        snapshot = _status_event(state, job_id)
        await websocket.send_text(snapshot.model_dump_json())
        if snapshot.status in ("completed", "failed", "cancelled"):
            await websocket.close()
            return
        await _forward(websocket, listener.queue)
    except WebSocketDisconnect:
        pass
    finally:
        state.jobs.hub.unsubscribe(listener)


async def _forward(websocket: WebSocket, queue: asyncio.Queue[ProgressEvent]) -> None:
    """Send events until the job ends or the client goes away."""
    disconnected = asyncio.ensure_future(websocket.receive())
    try:
        while True:
            next_event = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait(
                {next_event, disconnected}, return_when=asyncio.FIRST_COMPLETED
            )
            if disconnected in done:
                next_event.cancel()
                return
            event = next_event.result()
            # JSON text from the record itself: a non-finite number in it goes out as null.
            await websocket.send_text(event.model_dump_json(by_alias=True))
            if isinstance(event, JobFinishedEvent):
                await websocket.close()
                return
    finally:
        disconnected.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await disconnected

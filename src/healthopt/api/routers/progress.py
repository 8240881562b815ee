"""WS /ws/jobs/{id} and WS /ws/studies/{id}: progress events as they happen.

A job's socket first receives the job's status (`kind: "status"`), then every event the runner
publishes (run_started, trial_started, epoch_end, trial_finished, plots_drawn, job_status,
job_finished, run_finished), and is closed by the server once the job has ended. A study's
socket works the same way: its status (`study_status`), its events (`study_event`), and
`study_finished` before the server closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect, status

from healthopt.api.db import FINAL_STATUSES
from healthopt.api.deps import ServerState, lookup_job
from healthopt.api.progress import ProgressHub
from healthopt.api.schemas.progress import (
    JobFinishedEvent,
    StatusEvent,
    StudyFinishedEvent,
    StudyStatusEvent,
)
from healthopt.api.security import token_matches
from healthopt.api.status import read_status
from healthopt.api.studies import WAITING_STATES, StudyNotFound
from healthopt.records import Record

router = APIRouter(tags=["progress"])


def _status_event(state: ServerState, job_id: str) -> StatusEvent:
    """The socket's first message: the snapshot the status route serves, read from the table
    only for a job this process does not run."""
    return StatusEvent(**read_status(state, job_id).model_dump())


@router.websocket("/ws/jobs/{job_id}")
async def job_progress(websocket: WebSocket, job_id: str) -> None:
    state: ServerState = websocket.app.state.healthopt
    if not await _admitted(websocket, state):
        return
    try:
        if state.jobs.snapshot(job_id) is None:  # a job run here is known without the table
            lookup_job(state, job_id)
    except HTTPException:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no such job")
        return
    await _stream(
        websocket,
        state.jobs.hub,
        job_id,
        lambda: _status_event(state, job_id),
        lambda snapshot: snapshot.status in FINAL_STATUSES,
    )


@router.websocket("/ws/studies/{study_id}")
async def study_progress(websocket: WebSocket, study_id: str) -> None:
    state: ServerState = websocket.app.state.healthopt
    if not await _admitted(websocket, state):
        return
    try:
        state.studies.metadata(study_id)
    except StudyNotFound:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="no such study")
        return

    def snapshot() -> StudyStatusEvent:
        return StudyStatusEvent(**state.studies.status(study_id).model_dump())

    await _stream(
        websocket,
        state.studies.hub,
        study_id,
        snapshot,
        lambda first: first.state not in WAITING_STATES,
    )


async def _admitted(websocket: WebSocket, state: ServerState) -> bool:
    if token_matches(
        state.settings.token,
        websocket.headers.get("authorization"),
        websocket.query_params.get("token"),
    ):
        return True
    await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="bearer token")
    return False


async def _stream(
    websocket: WebSocket,
    hub: ProgressHub,
    key: str,
    snapshot: Callable[[], Any],
    ended: Callable[[Any], bool],
) -> None:
    """Accept, send the snapshot, then forward `key`'s events until its end."""
    await websocket.accept()
    listener = hub.subscribe(key)
    try:
        # Subscribed before the snapshot, so nothing falls between the two.
        first = snapshot()
        await websocket.send_text(first.model_dump_json())
        if ended(first):
            await websocket.close()
            return
        await _forward(websocket, listener.queue)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(listener)


async def _forward(websocket: WebSocket, queue: asyncio.Queue[Record]) -> None:
    """Send events until the job or study ends or the client goes away."""
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
            if isinstance(event, JobFinishedEvent | StudyFinishedEvent):
                await websocket.close()
                return
    finally:
        disconnected.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await disconnected

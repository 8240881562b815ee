import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { REFRESH_MS, useJobStatus, useRereadWhenJobEnds } from "./useJobStatus";

const api = installFakeApi();
const JOB = "0123456789abcdef0123456789abcdef";

/** Answers the job's status with whatever `now()` says at the time of the request. */
function serveStatus(now: () => string | Response) {
  api.answer((request) => {
    if (pathOf(request) !== `/jobs/${JOB}/status`) return undefined;
    const answer = now();
    return typeof answer === "string" ? Response.json({ status: answer, job_id: JOB }) : answer;
  });
}

function statusReads() {
  return api.requests.filter((r) => pathOf(r) === `/jobs/${JOB}/status`).length;
}

async function wait(ms: number) {
  await act(() => vi.advanceTimersByTimeAsync(ms));
}

/** Both hooks as a view uses them, counting the rereads. */
function useWatchedJob(reread: () => void) {
  const job = useJobStatus(JOB);
  useRereadWhenJobEnds(job.jobActive, reread);
  return job;
}

describe("useJobStatus", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });

  afterEach(() => vi.useRealTimers());

  it("polls a running job until it ends, then stops and rereads once", async () => {
    let name = "running";
    serveStatus(() => name);
    const reread = vi.fn();
    const { result } = renderHook(() => useWatchedJob(reread));
    // Before the first answer the job may well be running: keep polling, claim nothing.
    expect(result.current).toMatchObject({ jobActive: false, polling: true });

    await wait(0);
    expect(result.current).toMatchObject({ jobActive: true, polling: true });
    expect(result.current.status.data?.status).toBe("running");
    await wait(2 * REFRESH_MS);
    expect(statusReads()).toBe(3);
    expect(reread).not.toHaveBeenCalled();

    name = "completed";
    await wait(REFRESH_MS);
    expect(result.current).toMatchObject({ jobActive: false, polling: false });
    expect(reread).toHaveBeenCalledTimes(1);
    const reads = statusReads();
    await wait(5 * REFRESH_MS);
    expect(statusReads()).toBe(reads);
    expect(reread).toHaveBeenCalledTimes(1);
  });

  it("reads a finished job once and does not reread it", async () => {
    serveStatus(() => "failed");
    const reread = vi.fn();
    const { result } = renderHook(() => useWatchedJob(reread));
    await wait(0);
    expect(result.current).toMatchObject({ jobActive: false, polling: false });
    await wait(3 * REFRESH_MS);
    expect(statusReads()).toBe(1);
    expect(reread).not.toHaveBeenCalled();
  });

  it("keeps asking while the status cannot be read", async () => {
    let broken = true;
    serveStatus(() =>
      broken ? Response.json({ detail: "server restarting" }, { status: 503 }) : "running",
    );
    const { result } = renderHook(() => useJobStatus(JOB));
    await wait(0);
    expect(result.current.status.error).toBe("server restarting");
    expect(result.current).toMatchObject({ jobActive: false, polling: true });

    broken = false;
    await wait(REFRESH_MS);
    expect(result.current.status.error).toBeNull();
    expect(result.current).toMatchObject({ jobActive: true, polling: true });
  });
});

"use client";

import { apiData } from "@/lib/api/client";
import { useApi } from "@/lib/useApi";

import { OpenInTabButton } from "./OpenInTabButton";

/** Starts the job's TensorBoard and opens it in a new tab; absent when the server says
 * TensorBoard cannot be reached from this browser. */
export function TensorBoardButton({ jobId }: { jobId: string }) {
  const health = useApi(() => apiData((client) => client.GET("/health")), []);

  if (!health.data?.tensorboard_available) return null;

  async function startTensorBoard(): Promise<string> {
    const info = await apiData((client) =>
      client.POST("/jobs/{job_id}/tensorboard/start", { params: { path: { job_id: jobId } } }),
    );
    if (!info.url) throw new Error("TensorBoard started but reported no address");
    return info.url;
  }

  return (
    <OpenInTabButton
      label="Open TensorBoard"
      busyLabel="Starting TensorBoard…"
      testId="tensorboard-button"
      resolve={startTensorBoard}
    />
  );
}

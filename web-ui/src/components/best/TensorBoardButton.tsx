"use client";

import { useState } from "react";

import { apiData, errorMessage } from "@/lib/api/client";
import { useApi } from "@/lib/useApi";

import styles from "./best.module.css";

/** Starts the job's TensorBoard and opens it in a new tab; absent when the server says
 * TensorBoard cannot be reached from this browser. */
export function TensorBoardButton({ jobId }: { jobId: string }) {
  const health = useApi(() => apiData((client) => client.GET("/health")), []);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!health.data?.tensorboard_available) return null;

  async function openTensorBoard() {
    // Opened now, inside the click: a tab opened after the request would be blocked as a popup.
    const tab = window.open("", "_blank");
    if (tab) tab.opener = null;
    setStarting(true);
    setError(null);
    try {
      const info = await apiData((client) =>
        client.POST("/jobs/{job_id}/tensorboard/start", { params: { path: { job_id: jobId } } }),
      );
      if (!info.url) throw new Error("TensorBoard started but reported no address");
      if (tab) tab.location.href = info.url;
      else window.open(info.url, "_blank", "noopener");
    } catch (failure) {
      tab?.close();
      setError(errorMessage(failure));
    } finally {
      setStarting(false);
    }
  }

  return (
    <div className={styles.download}>
      <button
        type="button"
        className="button button-secondary"
        data-testid="tensorboard-button"
        disabled={starting}
        onClick={() => void openTensorBoard()}
      >
        {starting ? "Starting TensorBoard…" : "Open TensorBoard"}
      </button>
      {error && (
        <span role="alert" className={styles.error}>
          {error}
        </span>
      )}
    </div>
  );
}

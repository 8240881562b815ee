"use client";

import { useState } from "react";

import { downloadFile, errorMessage } from "@/lib/api/client";

import styles from "./best.module.css";

/** A button that saves an API file with the token; disabled (with the reason) until the
 * file exists. */
export function DownloadButton({
  label,
  path,
  fallbackName,
  notReadyHint,
  testId,
}: {
  label: string;
  /** The API path, or null while the file is not ready. */
  path: string | null;
  fallbackName: string;
  notReadyHint: string;
  testId: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const hintId = `${testId}-hint`;

  async function download(target: string) {
    setBusy(true);
    setError(null);
    try {
      await downloadFile(target, fallbackName);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={styles.download}>
      <button
        type="button"
        className="button"
        data-testid={testId}
        disabled={path === null || busy}
        aria-describedby={path === null ? hintId : undefined}
        onClick={() => path && void download(path)}
      >
        {busy ? "Downloading…" : label}
      </button>
      {path === null && (
        <span id={hintId} className={styles.muted}>
          {notReadyHint}
        </span>
      )}
      {error && (
        <span role="alert" className={styles.error}>
          {error}
        </span>
      )}
    </div>
  );
}

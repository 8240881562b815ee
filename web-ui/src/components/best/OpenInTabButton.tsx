"use client";

import { useState } from "react";

import { errorMessage } from "@/lib/api/client";

import styles from "./best.module.css";

/** A button that opens, in a new tab, the address `resolve` works out (a request first).
 * The tab is opened inside the click, before the request: one opened after it would be
 * blocked as a popup. When `resolve` fails the tab is closed again and the error shown. */
export function OpenInTabButton({
  label,
  busyLabel,
  testId,
  resolve,
}: {
  label: string;
  busyLabel: string;
  testId: string;
  resolve: () => Promise<string>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function open() {
    const tab = window.open("", "_blank");
    if (tab) tab.opener = null;
    setBusy(true);
    setError(null);
    try {
      const url = await resolve();
      if (tab) tab.location.href = url;
      else window.open(url, "_blank", "noopener");
    } catch (failure) {
      tab?.close();
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={styles.download}>
      <button
        type="button"
        className="button button-secondary"
        data-testid={testId}
        disabled={busy}
        onClick={() => void open()}
      >
        {busy ? busyLabel : label}
      </button>
      {error && (
        <span role="alert" className={styles.error}>
          {error}
        </span>
      )}
    </div>
  );
}

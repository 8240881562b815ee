"use client";

import { type FormEvent, useEffect, useId, useState } from "react";

import { getToken, setToken } from "@/lib/token";

/** A header control to paste the API token, for servers started with one. */
export function TokenSettings() {
  const [open, setOpen] = useState(false);
  const [hasToken, setHasToken] = useState(false);
  const [draft, setDraft] = useState("");
  const inputId = useId();

  // localStorage exists only in the browser, so read it after mounting.
  useEffect(() => setHasToken(getToken() !== null), []);

  function save(event: FormEvent) {
    event.preventDefault();
    setToken(draft);
    // Reload so every request and socket on the page starts again with the new token.
    window.location.reload();
  }

  function clear() {
    setToken(null);
    window.location.reload();
  }

  return (
    <div className="token-settings">
      <button
        type="button"
        className="button button-ghost"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        API token{hasToken ? " ✓" : ""}
      </button>
      {open && (
        <form
          className="token-form"
          onSubmit={save}
          onKeyDown={(event) => event.key === "Escape" && setOpen(false)}
        >
          <label htmlFor={inputId}>Bearer token</label>
          <input
            id={inputId}
            type="password"
            autoFocus
            autoComplete="off"
            value={draft}
            placeholder={hasToken ? "stored; paste to replace" : "paste the server's token"}
            onChange={(event) => setDraft(event.target.value)}
          />
          <div className="token-actions">
            <button type="submit" className="button" disabled={!draft.trim()}>
              Save
            </button>
            {hasToken && (
              <button type="button" className="button button-secondary" onClick={clear}>
                Forget
              </button>
            )}
          </div>
        </form>
      )}
    </div>
  );
}

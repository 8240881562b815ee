"use client";

import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";

import { errorMessage } from "@/lib/api/client";

export interface ApiState<T> {
  data: T | null;
  /** The last load's error as a sentence, or null after a success. */
  error: string | null;
  /** True while a load the user waits for is in flight (not during background polling). */
  loading: boolean;
  reload: () => void;
}

export interface ApiOptions {
  /** Reload in the background every so many milliseconds; off when undefined or 0. */
  intervalMs?: number;
}

/**
 * Runs `load` when `deps` change (and on each interval), keeping the latest answer. The last
 * data stays on screen while a newer load runs (key the component by id to start afresh);
 * an answer that arrives after a newer load began is dropped, so a slow response never wins.
 */
export function useApi<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  { intervalMs }: ApiOptions = {},
): ApiState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  const latest = useRef(0);

  useEffect(() => {
    loadRef.current = load; // the newest closure, without reloading on every render
  });

  const run = useCallback(async (background: boolean) => {
    const ticket = ++latest.current;
    if (!background) setLoading(true);
    try {
      const value = await loadRef.current();
      if (ticket !== latest.current) return;
      setData(value);
      setError(null);
    } catch (failure) {
      if (ticket !== latest.current) return;
      setError(errorMessage(failure));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void run(false);
    return () => {
      latest.current++; // unmounted or deps changed: ignore what is still in flight
    };
  }, deps); // the caller's deps decide when to load again, as with useEffect

  useEffect(() => {
    if (!intervalMs) return;
    const timer = setInterval(() => void run(true), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, run]);

  const reload = useCallback(() => void run(false), [run]);
  return { data, error, loading, reload };
}

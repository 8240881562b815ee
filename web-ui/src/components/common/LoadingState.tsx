/** A quiet "loading" line for any request in flight. */
export function LoadingState({ label }: { label: string }) {
  return (
    <p className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

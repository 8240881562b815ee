/** A trial's state as the cards show it: complete, pruned or failed. */
export function TrialStateBadge({ state }: { state: string }) {
  const name = state === "FAIL" ? "failed" : state === "PRUNED" ? "pruned" : state.toLowerCase();
  const tone = state === "COMPLETE" ? "completed" : name;
  return <span className={`badge badge-${tone}`}>{name}</span>;
}

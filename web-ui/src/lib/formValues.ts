/**
 * What both settings forms (optimization and study) do with their values: pick the dataset
 * they start on, read a number as typed, and turn the first thing the form can tell is
 * wrong into a message instead of a request.
 */

/** Something the form can refuse without asking the server; its message is shown as is. */
export class InvalidSetting extends Error {}

export type Built<Request> =
  { request: Request; error?: never } | { request?: never; error: string };

/** The request `make` builds, or the message of the InvalidSetting it throws. */
export function built<Request>(make: () => Request): Built<Request> {
  try {
    return { request: make() };
  } catch (error) {
    if (error instanceof InvalidSetting) return { error: error.message };
    throw error;
  }
}

/** `text` as a whole number; throws an InvalidSetting naming `label` when it is not one. Ranges
 * are the server's to check, so its 422 messages reach the user. */
export function wholeNumber(label: string, text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new InvalidSetting(`${label} must be a whole number`);
  return Number(trimmed);
}

/** `text` as a decimal number such as "1", "0.5" or ".5"; throws an InvalidSetting naming
 * `label` when it is not one (Number() alone would read "" as 0 and accept "1e3"). */
export function decimalNumber(label: string, text: string): number {
  const trimmed = text.trim();
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(trimmed)) {
    throw new InvalidSetting(`${label} must be a number`);
  }
  return Number(trimmed);
}

const PREFERRED_DATASET = "digits"; // small and bundled: a run takes seconds, a study minutes

/** The dataset a form starts on: digits when the server offers it, else the first one. */
export function defaultDataset(datasets: string[]): string {
  return datasets.includes(PREFERRED_DATASET) ? PREFERRED_DATASET : (datasets[0] ?? "");
}

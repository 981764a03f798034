/** A stored JSON value, or undefined when it is not JSON (written by something else, or cut short). */
export function parseStored(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

import type { z } from 'zod';

/** Edit distance (insert, delete, substitute, swap of neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      let best = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  }
  return (d[s.length] as number[])[t.length] as number;
}

/**
 * The candidate a typo most likely meant (`form` → `from`, `wonHoldHour` → `wonHoldHours`), or
 * undefined when none is close: at most 2 edits, and fewer than half the word's letters.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(word, name);
    if (d <= 2 && d * 2 < Math.max(word.length, 2) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** The object keys the schema allows at `path` (through defaults, optionals, pipes, records, lists). */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let node: unknown = schema;
  const def = (n: unknown): Record<string, unknown> => {
    const zod = (n as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod;
    return zod?.def ?? {};
  };
  const unwrap = (n: unknown): unknown => {
    for (let i = 0; i < 20; i++) {
      const d = def(n);
      const inner = d.innerType ?? d.in;
      if (inner === undefined) return n;
      n = inner;
    }
    return n;
  };
  for (const seg of path) {
    const d = def(unwrap(node));
    if (d.type === 'object') node = (d.shape as Record<string, unknown>)[String(seg)];
    else if (d.type === 'record') node = d.valueType;
    else if (d.type === 'array') node = d.element;
    else return [];
    if (node === undefined) return [];
  }
  const d = def(unwrap(node));
  return d.type === 'object' ? Object.keys(d.shape as Record<string, unknown>) : [];
}

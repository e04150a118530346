// JSON bodies as the fuzz builds them: plain values plus what JSON.stringify cannot write —
// a literal it would refuse or rewrite (1e999, -0, NaN), an object with repeated keys or an
// own "__proto__" key, text that is not JSON at all.

/** Written verbatim. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object written from its entries, in order: keys may repeat. */
export class Entries {
  constructor(readonly entries: [string, Json][]) {}
}

export type Json = null | boolean | number | string | Raw | Entries | Json[] | { [k: string]: Json };

export function toJsonText(v: Json): string {
  if (v instanceof Raw) return v.text;
  if (v instanceof Entries) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return toJsonText(new Entries(Object.entries(v)));
  return JSON.stringify(v) ?? 'null';
}

/** A plain object's fields as entries (to add, drop or repeat one). */
export function entriesOf(v: Json): [string, Json][] | null {
  if (v instanceof Entries) return [...v.entries];
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw)) return Object.entries(v);
  return null;
}

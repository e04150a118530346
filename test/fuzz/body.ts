// Request bodies: a valid one from the operation's schema, then one mutation of it —
// a hostile field, a control character in a string, a missing or extra field, a repeated
// key, a hostile or malformed or deeply nested or oversized body.
import fc from 'fast-check';
import { controlChar, deepNesting, hostileString, hostileValue } from './hostile';
import { Entries, entriesOf, toJsonText, type Json } from './json-text';
import type { JsonSchema } from './openapi-ops';
import { valueFor, type Hint } from './schema-values';

export interface Body {
  kind: string;
  text: string;
}

type Path = (string | number)[];

/** Paths of every leaf (and nested object) below the top level, for a mutation to target. */
function pathsOf(v: Json, at: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...at, i], ...pathsOf(x, [...at, i])));
  else {
    const e = entriesOf(v);
    if (e) for (const [k, x] of e) out.push([...at, k], ...pathsOf(x, [...at, k]));
  }
  return out;
}

function getAt(v: Json, path: Path): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of path) {
    if (Array.isArray(cur)) cur = cur[k as number];
    else cur = entriesOf(cur ?? null)?.find(([x]) => x === k)?.[1];
  }
  return cur;
}

function setAt(v: Json, path: Path, leaf: (old: Json) => Json): Json {
  if (!path.length) return leaf(v);
  const [head, ...rest] = path;
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? setAt(x, rest, leaf) : x));
  const e = entriesOf(v);
  if (!e) return v;
  return Object.fromEntries(e.map(([k, x]) => [k, k === head ? setAt(x, rest, leaf) : x]));
}

const MALFORMED = [
  '', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":undefined}', '[1,2', '{"a":"\u0000"}', '{"a":"x\ny"}',
  '// c\n{}', '/* c */{}', '\ufeff{}', 'null', '"str"', '123', 'true', '{}garbage', '{"a":1}{"b":2}', '\u0000', '{"a":1e}', '{"a":01}',
  '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '{"a" 1}', '{a:1}', 'id=x&y=z', '<xml/>',
];

const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'id', 'client', 'x'), hostileString.filter((k) => k.length < 300));

function withControlChar(v: Json): fc.Arbitrary<Json> {
  const strings = pathsOf(v).filter((p) => typeof getAt(v, p) === 'string');
  if (!strings.length) return fc.constant(v);
  return fc
    .tuple(fc.constantFrom(...strings), controlChar, fc.nat())
    .map(([p, c, at]) => setAt(v, p, (old) => {
      const s = old as string;
      const i = s.length ? at % (s.length + 1) : 0;
      return s.slice(0, i) + c + s.slice(i);
    }));
}

/** NUL in every string: whatever a handler stores or relays, it meets one. */
function nulEverywhere(v: Json): Json {
  return pathsOf(v)
    .filter((p) => typeof getAt(v, p) === 'string')
    .reduce((acc, p) => setAt(acc, p, (old) => `${old as string}\u0000`), v);
}

/** A valid body for an operation that takes one, or (hostile) that body with one hostile change. */
export function bodyFor(schema: JsonSchema, hint: Hint, hostile: boolean): fc.Arbitrary<Body> {
  const valid = valueFor(schema, '(body)', hint);
  const required = schema.required ?? [];
  const as = (kind: string) => (v: Json): Body => ({ kind, text: toJsonText(v) });
  if (!hostile) return valid.map(as('body:valid'));
  return valid.chain((v) => {
    const paths = pathsOf(v);
    const e = entriesOf(v) ?? [];
    return fc.oneof(
      { weight: 6, arbitrary: paths.length ? fc.tuple(fc.constantFrom(...paths), hostileValue).map(([p, h]) => as('body:field-hostile')(setAt(v, p, () => h))) : hostileValue.map(as('body:hostile')) },
      { weight: 6, arbitrary: withControlChar(v).map(as('body:field-control-char')) },
      { weight: 2, arbitrary: fc.constant(v).map((x) => as('body:nul-everywhere')(nulEverywhere(x))) },
      { weight: 2, arbitrary: required.length ? fc.constantFrom(...required).map((k) => as('body:missing-field')(new Entries(e.filter(([x]) => x !== k)))) : fc.constant(v).map(as('body:valid')) },
      { weight: 2, arbitrary: fc.tuple(hostileKey, hostileValue).map(([k, h]) => as('body:extra-field')(new Entries([...e, [k, h]]))) },
      { weight: 2, arbitrary: e.length ? fc.tuple(fc.constantFrom(...e.map(([k]) => k)), hostileValue, fc.boolean()).map(([k, h, first]) => as('body:duplicate-key')(new Entries(first ? [[k, h], ...e] : [...e, [k, h]]))) : fc.constant(v).map(as('body:valid')) },
      { weight: 2, arbitrary: hostileValue.map(as('body:hostile')) },
      { weight: 2, arbitrary: fc.constantFrom(...MALFORMED).map((text) => ({ kind: 'body:malformed', text })) },
      { weight: 1, arbitrary: deepNesting.chain((d) => fc.constantFrom<Json>(d, e.length ? new Entries([...e.slice(1), [e[0]![0], d]]) : d)).map(as('body:deep')) },
      { weight: 1, arbitrary: fc.constantFrom(65_000, 70_000, 200_000).map((n) => as('body:huge')(new Entries([...e, ['pad', 'x'.repeat(n)]]))) },
    );
  });
}

/** Something sent where no body is expected. */
export const strayBody: fc.Arbitrary<Body> = fc.oneof(
  hostileValue.map((v) => ({ kind: 'body:stray', text: toJsonText(v) })),
  fc.constantFrom(...MALFORMED).map((text) => ({ kind: 'body:stray-malformed', text })),
);

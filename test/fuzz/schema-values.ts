// Valid values from a JSON Schema, so a hostile field sits in an otherwise acceptable
// request and reaches the code behind validation. Fields that name shared state (accounts,
// sessions, flows, webhooks, contacts) take the fuzz's own values (see pools.ts).
import fc from 'fast-check';
import type { Json } from './json-text';
import type { JsonSchema } from './openapi-ops';

/** The fuzz's own value for a field or parameter, when its name says it needs one. */
export type Hint = (name: string) => fc.Arbitrary<Json> | undefined;

function stringFor(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 64, 64);
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'ipv4') return fc.ipV4();
  if (s.format === 'ipv6') return fc.ipV6();
  if (s.format === 'email') return fc.emailAddress();
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' }).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
  return fc.string({ minLength: min, maxLength: Math.max(min, max) });
}

export function valueFor(s: JsonSchema, name: string, hint: Hint): fc.Arbitrary<Json> {
  const own = hint(name);
  if (own) return own;
  if (s.const !== undefined) return fc.constant(s.const as Json);
  if (s.enum) return fc.constantFrom(...(s.enum as Json[]));
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valueFor(a, name, hint)));
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t) => valueFor({ ...s, type: t }, name, hint)));
  switch (s.type) {
    case 'string':
      return stringFor(s);
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1e6, -1e6), max: Math.min(s.maximum ?? 1e6, 1e6) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(s.items ? valueFor(s.items, name, hint) : (fc.jsonValue() as fc.Arbitrary<Json>), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) }) as fc.Arbitrary<Json>;
    case 'object': {
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<Json>> = {};
      for (const [k, p] of Object.entries(props)) model[k] = valueFor(p, k, hint);
      // optional fields mostly present: a hostile value in one must have a body around it that gets that far
      const required = (s.required ?? []).filter((k) => k in props);
      return fc.oneof({ weight: 3, arbitrary: fc.record(model) }, { weight: 1, arbitrary: fc.record(model, { requiredKeys: required }) }) as fc.Arbitrary<Json>;
    }
    default:
      return fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  }
}

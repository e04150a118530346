// The fuzz's view of the API: every operation of the OpenAPI document the server itself
// serves (GET /openapi.json), so a route added and documented is fuzzed without a change here.

/** The subset of JSON Schema (2020-12) that zod's toJSONSchema emits for our requests. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

export interface Param {
  name: string;
  schema: JsonSchema;
}

export interface Operation {
  /** "POST /v1/accounts/{id}/phone/bind": the key counts are reported under */
  id: string;
  method: string;
  /** OpenAPI template, e.g. /v1/accounts/{id} */
  path: string;
  params: Param[];
  query: Param[];
  body?: JsonSchema;
  auth: 'none' | 'apiKey' | 'clientToken';
}

interface OpenApiDoc {
  paths: Record<string, Record<string, {
    parameters?: { name: string; in: string; schema: JsonSchema }[];
    requestBody?: { content: Record<string, { schema: JsonSchema }> };
    security?: Record<string, unknown>[];
  }>>;
}

export function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = op.parameters ?? [];
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema })),
        body: op.requestBody?.content['application/json']?.schema,
        auth: schemes.includes('clientToken') ? 'clientToken' : schemes.length ? 'apiKey' : 'none',
      });
    }
  }
  return ops.sort((a, b) => a.id.localeCompare(b.id));
}

export async function fetchOperations(baseUrl: string): Promise<Operation[]> {
  const res = await fetch(`${baseUrl}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  const ops = operationsOf((await res.json()) as OpenApiDoc);
  if (!ops.length) throw new Error('the OpenAPI document lists no operation');
  return ops;
}

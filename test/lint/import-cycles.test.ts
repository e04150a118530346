// The project's import graph has no circle and no upward edge. Every .ts file of the
// project (not node_modules/, not test/) is read with the TypeScript parser and every
// relative specifier it names is resolved: import and export declarations (type-only ones
// too: a circle through types is still a circle a reader must untangle, and madge counts
// them as well), `import x = require()`, `require()`, `import()` and `import('…')` types.
// A specifier that resolves to nothing fails the test, so no edge is silently lost.
//
// Layering: lib/ and db/ are the lowest layers; they never import from api/, worker/,
// providers/, sandbox/, scripts/ or the code of flows/ (workflows and activities alike).
// Known, accepted edge: they may import a flow's contract (flows/<kind>/contract.ts,
// flows/shared/contract.ts), the
// lowest layer of a flow — lib/webhook-dispatch.ts signals the dispatcher through its
// contract, db/reports.ts types its scenes by the face check's, and db/ stores the one
// RequestMeta of flows/shared/contract.ts. The lint keeps contracts
// free of side-effecting imports (test/lint/workflow-imports.test.ts), so that edge runs
// down, not up.
//
// http/ holds what api/ and each flow's API code (flows/<kind>/start.ts, routes.ts, openapi.ts,
// face-check/completion.ts) share, and imports neither: the app imports the flows' routers
// and docs, they import http/, never the other way.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
/** folders that are not the project's own source (test/ has its own, looser, rules) */
const SKIP = new Set(['node_modules', 'test', 'dist', 'coverage']);

interface Import {
  spec: string;
  typeOnly: boolean;
}

/** every .ts file under `dir`, skipping SKIP and dot-folders (.data, .tools, .git) */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP.has(e.name) || e.name.startsWith('.') ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** every module specifier `code` names, with whether only types come through it */
function importsOf(code: string, file = 'probe.ts'): Import[] {
  const out: Import[] = [];
  const src = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      out.push({ spec: n.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push({ spec: n.moduleSpecifier.text, typeOnly: n.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      out.push({ spec: n.moduleReference.expression.text, typeOnly: n.isTypeOnly });
    } else if (ts.isCallExpression(n) && n.arguments.length > 0 && ts.isStringLiteralLike(n.arguments[0]!)) {
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
      if (isImport || isRequire) out.push({ spec: (n.arguments[0] as ts.StringLiteralLike).text, typeOnly: false });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push({ spec: n.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** the project file a relative specifier names; null for a package or a non-.ts file
 *  (a .json, an asset); throws if it names nothing */
function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  const file = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
  if (file) return file;
  if (fs.existsSync(path.resolve(path.dirname(from), spec)) && !fs.statSync(path.resolve(path.dirname(from), spec)).isDirectory()) return null;
  throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${spec}`);
}

type Graph = Map<string, Set<string>>;

function projectGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(ROOT)) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    const targets = importsOf(fs.readFileSync(file, 'utf8'), file)
      .map((i) => resolve(file, i.spec))
      .filter((t): t is string => t !== null)
      .map((t) => path.relative(ROOT, t).split(path.sep).join('/'));
    graph.set(rel, new Set(targets));
  }
  return graph;
}

/** The circles of `graph`: its strongly connected components of more than one file (or a
 *  file importing itself), each as its sorted files with the edges that close it. */
function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) {
      const inside = new Set(component);
      found.push(component.sort().map((f) => `${f} -> ${[...(graph.get(f) ?? [])].filter((t) => inside.has(t)).sort().join(', ')}`));
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

const LOWER = /^(lib|db)\//;
const UPPER = /^(api|http|worker|providers|sandbox|scripts)\//;
/** a flow's API code (flows/<kind>/{start,routes,openapi,completion}.ts): above http/, below api/ */
const FLOW_API = /^flows\/[^/]+\/(start|routes|openapi|completion)\.ts$/;
/** a flow's contract: the lowest layer of a flow, which lib/ and db/ may import (see the header) */
const CONTRACT = /^flows\/[^/]+\/contract\.ts$/;

/** why the import `from` → `to` (both relative to the root) runs upward, or null */
function upward(from: string, to: string): string | null {
  if (!LOWER.test(from)) return null;
  if (UPPER.test(to)) return `${from} imports ${to}: lib/ and db/ never import upward`;
  if (to.startsWith('flows/') && !CONTRACT.test(to)) return `${from} imports ${to}: from flows/ lib/ and db/ import contracts only`;
  return null;
}

/** why the import `from` → `to` reaches from http/ (what the API's parts share) up into them, or null */
function intoApiParts(from: string, to: string): string | null {
  if (!from.startsWith('http/')) return null;
  if (to.startsWith('api/') || FLOW_API.test(to)) return `${from} imports ${to}: http/ is shared by api/ and the flows' API code, and imports neither`;
  return null;
}

describe('the checker', () => {
  test('reads every form of import', () => {
    const code = [
      "import a from './a';",
      "import type { B } from './b';",
      "import { type C } from './c';",
      "import { type D, e } from './d';",
      "import './side-effect';",
      "export * from './f';",
      "export type { G } from './g';",
      "import h = require('./h');",
      "const i = require('./i');",
      "const j = import('./j');",
      "let k: import('./k').K;",
      'export { a, h, i, j, k };',
    ].join('\n');
    expect(importsOf(code)).toEqual([
      { spec: './a', typeOnly: false },
      { spec: './b', typeOnly: true },
      { spec: './c', typeOnly: true },
      { spec: './d', typeOnly: false },
      { spec: './side-effect', typeOnly: false },
      { spec: './f', typeOnly: false },
      { spec: './g', typeOnly: true },
      { spec: './h', typeOnly: false },
      { spec: './i', typeOnly: false },
      { spec: './j', typeOnly: false },
      { spec: './k', typeOnly: true },
    ]);
  });

  test('finds a circle, and a file importing itself, but not a diamond', () => {
    const g = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
    expect(cycles(g({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a -> b', 'b -> c', 'c -> a']]);
    expect(cycles(g({ a: ['a'] }))).toEqual([['a -> a']]);
    expect(cycles(g({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toEqual([]);
  });

  test.each([
    ['lib/x.ts', 'api/app.ts', true],
    ['db/x.ts', 'flows/activities.ts', true],
    ['lib/x.ts', 'flows/bind/activities.ts', true],
    ['db/x.ts', 'flows/shared/activities/codes.ts', true],
    ['lib/x.ts', 'flows/activity-deps.ts', true],
    ['lib/x.ts', 'worker/deps.ts', true],
    ['db/x.ts', 'providers/smtp/client.ts', true],
    ['lib/x.ts', 'flows/bind/workflow.ts', true],
    ['db/x.ts', 'flows/shared/run-key.ts', true],
    ['lib/x.ts', 'flows/webhooks/contract.ts', false],
    ['db/x.ts', 'flows/shared/contract.ts', false],
    ['db/x.ts', 'lib/errors.ts', false],
    ['api/app.ts', 'flows/activities.ts', false],
    ['lib/x.ts', 'http/auth.ts', true],
    ['db/x.ts', 'flows/bind/routes.ts', true],
  ])('%s -> %s runs upward: %s', (from, to, refused) => {
    expect(upward(from, to) !== null).toBe(refused);
  });

  test.each([
    ['http/x.ts', 'api/app.ts', true],
    ['http/x.ts', 'flows/bind/start.ts', true],
    ['http/x.ts', 'flows/face-check/completion.ts', true],
    ['http/x.ts', 'flows/shared/contract.ts', false],
    ['flows/bind/routes.ts', 'http/auth.ts', false],
    ['api/app.ts', 'flows/bind/routes.ts', false],
  ])('%s -> %s reaches from http/ into the parts that share it: %s', (from, to, refused) => {
    expect(intoApiParts(from, to) !== null).toBe(refused);
  });
});

describe("the project's import graph", () => {
  const graph = projectGraph();

  test('covers the project', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('api/app.ts')).toContain('api/routes/health.ts');
    expect([...graph.keys()].filter((f) => f.startsWith('test/'))).toEqual([]);
  });

  test('has no circular import', () => {
    expect(cycles(graph)).toEqual([]);
  });

  test('lib/ and db/ import nothing above them (a flow contract is the accepted exception)', () => {
    const problems = [...graph].flatMap(([from, tos]) => [...tos].map((to) => upward(from, to)).filter((p): p is string => p !== null));
    expect(problems).toEqual([]);
  });

  test("http/ imports neither api/ nor a flow's API code", () => {
    const problems = [...graph].flatMap(([from, tos]) => [...tos].map((to) => intoApiParts(from, to)).filter((p): p is string => p !== null));
    expect(problems).toEqual([]);
  });

  test('the contracts lib/ and db/ import are the known ones (a new one is a choice: add it here)', () => {
    const contractEdges = [...graph].flatMap(([from, tos]) => (LOWER.test(from) ? [...tos].filter((to) => CONTRACT.test(to)).map((to) => `${from} -> ${to}`) : []));
    expect(contractEdges.sort()).toEqual([
      // the face scenes' names and effect, as the flow and its API carry them (and the one RequestMeta)
      'db/account-security.ts -> flows/face-scene/contract.ts',
      'db/account-security.ts -> flows/shared/contract.ts',
      // the one RequestMeta, stored with audit rows, sessions and face / real-name records
      'db/contact-change.ts -> flows/shared/contract.ts',
      'db/events.ts -> flows/shared/contract.ts',
      // the real-name pre-checks take the request's fields as the saga's input names them
      'db/real-name.ts -> flows/real-name/contract.ts',
      'db/real-name.ts -> flows/shared/contract.ts',
      // a grant's method and purpose, as the grant flows carry them
      'db/recovery.ts -> flows/shared/contract.ts',
      'db/reports.ts -> flows/face-check/contract.ts',
      'db/sessions.ts -> flows/shared/contract.ts',
      'lib/webhook-dispatch.ts -> flows/webhooks/contract.ts',
    ]);
  });
});

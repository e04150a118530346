// The lint rule that keeps workflow code deterministic really fires, where the workflow code
// lives: each flow's workflow.ts and contract.ts, the files directly in flows/shared/ and the
// bundle entry flows/workflows.ts. Contracts, imported by the API and activities too, are
// stricter. The activities beside them in flows/ are side-effecting code: outside the rule,
// reachable from workflow code only as types, and themselves kept off workflow code.
// ESLint loads its flat config with a dynamic import, which jest's VM cannot do, so
// ESLint runs in a child process: once for every probe (their code comes on stdin, as
// JSON, so none of the probe files needs to exist), once for the config of every file the
// bundle loads, and once over the real code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');
const ESLINT = path.join(ROOT, 'node_modules', '.bin', 'eslint');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; message: string }[];
}

interface Probe {
  file: string;
  code: string;
}

const LINT_PROBES = `
  const { ESLint } = require('eslint');
  const probes = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  (async () => {
    const eslint = new ESLint();
    const out = [];
    for (const p of probes) {
      const [r] = await eslint.lintText(p.code, { filePath: p.file });
      out.push(r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
    }
    process.stdout.write(JSON.stringify(out));
  })();
`;

const probes: Probe[] = [];
const found = new Map<Probe, string[]>();
/** the no-restricted-imports messages for `code` in a file at `file` (relative to the root) */
function problems(code: string, file: string): () => string[] {
  const p = { file: path.join(ROOT, file), code };
  probes.push(p);
  return () => found.get(p)!;
}

beforeAll(() => {
  const r = spawnSync(process.execPath, ['-e', LINT_PROBES], { cwd: ROOT, input: JSON.stringify(probes), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  (JSON.parse(r.stdout) as string[][]).forEach((m, i) => found.set(probes[i]!, m));
});

// a file of each kind the rule covers
const WORKFLOW_FILES = ['flows/probe/workflow.ts', 'flows/shared/probe.ts', 'flows/probe/contract.ts', 'flows/workflows.ts'];
/** an import path from `file` to `target`, both relative to the root */
const from = (file: string, target: string) => {
  const rel = path.posix.relative(path.posix.dirname(file), target);
  return rel.startsWith('.') ? rel : `./${rel}`;
};

describe.each(WORKFLOW_FILES)('%s', (file) => {
  describe.each([
    ["import fs from 'node:fs';"],
    ["import { randomUUID } from 'crypto';"],
    ["import { Pool } from 'pg';"],
    [`import { createActivities } from '${from(file, 'flows/activities')}';`],
    [`import { createBindActivities } from '${from(file, 'flows/bind/activities')}';`],
    [`import { createCodeActivities } from '${from(file, 'flows/shared/activities/codes')}';`],
    [`import '${from(file, 'flows/activity-deps')}';`],
    [`import { pool } from '${from(file, 'db/pool')}';`],
    [`import { createSmsSender } from '${from(file, 'providers/tencent-sms/client')}';`],
  ])('%s', (line) => {
    const found = problems(`${line}\nexport const x = 1;\n`, file);
    test('is refused', () => expect(found()).toHaveLength(1));
  });

  const sdkAndLib = problems(
    `import { sleep } from '@temporalio/workflow';\nimport { ERRORS } from '${from(file, 'lib/errors')}';\nexport const s = sleep;\nexport const e = ERRORS;\n`,
    file,
  );
  test('may import the workflow SDK and lib/', () => expect(sdkAndLib()).toEqual([]));

  if (!file.endsWith('contract.ts')) {
    const types = problems(
      [
        `import type { BindActivities } from '${from(file, 'flows/bind/activities')}';`,
        `import type { CodeActivities } from '${from(file, 'flows/shared/activities/codes')}';`,
        'export type A = BindActivities & CodeActivities;',
        '',
      ].join('\n'),
      file,
    );
    test('may import types from activities', () => expect(types()).toEqual([]));
  }
});

describe.each(WORKFLOW_FILES)('%s and the API code', (file) => {
  // http/ is the API's plumbing (express, the Temporal client): side-effecting like api/
  const fromHttp = problems(`import { parse } from '${from(file, 'http/validation')}';\nexport const p = parse;\n`, file);
  test('may not import http/', () => expect(fromHttp()).toHaveLength(1));
});

describe("a flow's API code (start.ts, routes.ts, openapi.ts) is not workflow code", () => {
  const code = "import express from 'express';\nimport { Client } from '@temporalio/client';\nimport { parse } from '../../http/validation';\nexport const x = [express, Client, parse];\n";
  describe.each(['flows/probe/start.ts', 'flows/probe/routes.ts', 'flows/probe/openapi.ts'])('%s', (file) => {
    const found = problems(code, file);
    test('may import express, the client and http/', () => expect(found()).toEqual([]));
  });
});

describe('a contract (the API, activities and lib/ import it)', () => {
  const file = 'flows/probe/contract.ts';
  describe.each([
    ["import type { BindActivities } from '../bind/activities';"],
    ["import type { CodeActivities } from '../shared/activities/codes';"],
    ["import type { Queryable } from '../../db/pool';"],
    ["import type { Stack } from '../../api/app';"],
    ["import { bindPhone } from '../bind/workflow';"],
    ["import { flowRun } from '../shared/run-key';"],
    ["import { helper } from './helper';"],
  ])('%s', (line) => {
    const found = problems(`${line}\nexport const x = 1;\n`, file);
    test('is refused', () => expect(found()).toHaveLength(1));
  });

  const allowed = problems(
    [
      "import { defineSignal } from '@temporalio/workflow';",
      "import type { RequestMeta } from '../shared/contract';",
      "import type { Scene } from '../../lib/scenes';",
      'export type M = RequestMeta | Scene;',
      "export const s = defineSignal('s');",
      '',
    ].join('\n'),
    file,
  );
  test('may import other contracts, lib/ and the workflow SDK', () => expect(allowed()).toEqual([]));
});

// a flow's folder also holds code the bundle never loads (its activities)
const ACTIVITY_FILES = ['flows/probe/activities.ts', 'flows/shared/activities/probe.ts', 'flows/activities.ts', 'flows/activity-deps.ts'];

describe.each(ACTIVITY_FILES)('%s (activity code)', (file) => {
  const sideEffects = problems(
    [
      "import fs from 'node:fs';",
      "import { Pool } from 'pg';",
      "import { ApplicationFailure } from '@temporalio/activity';",
      `import { findAccount } from '${from(file, 'db/accounts')}';`,
      `import { sendAndLog } from '${from(file, 'providers/outbox')}';`,
      `import { createCodeActivities } from '${from(file, 'flows/shared/activities/codes')}';`,
      `import { failure } from '${from(file, 'lib/errors')}';`,
      `import { bindPhoneSignal } from '${from(file, 'flows/bind/contract')}';`,
      'export const x = [fs, Pool, ApplicationFailure, findAccount, sendAndLog, createCodeActivities, failure, bindPhoneSignal];',
      '',
    ].join('\n'),
    file,
  );
  test('may use Node, pg, db/, providers/, lib/, other activities and contracts', () => expect(sideEffects()).toEqual([]));

  describe.each([
    ["import { proxyActivities } from '@temporalio/workflow';"],
    [`import { bindPhone } from '${from(file, 'flows/bind/workflow')}';`],
    [`import { bindPhone } from '${from(file, 'flows/workflows')}';`],
    [`import { CodeChallenge } from '${from(file, 'flows/shared/code-challenge')}';`],
    [`import { flowRun } from '${from(file, 'flows/shared/run-key')}';`],
    [`import { DURABLE_STEP } from '${from(file, 'flows/shared/activity-options')}';`],
  ])('%s', (line) => {
    const found = problems(`${line}\nexport const x = 1;\n`, file);
    test('is refused: workflow code is for types only here', () => expect(found()).toHaveLength(1));
  });

  const types = problems(
    [
      "import type { ActivityOptions } from '@temporalio/workflow';",
      `import type { ChallengeSpec } from '${from(file, 'flows/shared/code-challenge')}';`,
      'export type T = ActivityOptions | ChallengeSpec;',
      '',
    ].join('\n'),
    file,
  );
  test('may import types from workflow code', () => expect(types()).toEqual([]));
});

const ENTRY = path.join(ROOT, 'flows', 'workflows.ts');

/** The project files the workflow bundle loads: from the entry, every relative import or
 *  re-export that is not type-only (those the compiler drops). */
function bundled(entry: string): string[] {
  const seen = new Set<string>();
  const resolve = (from: string, spec: string) => {
    const base = path.resolve(path.dirname(from), spec);
    const file = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (!file) throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${spec}`);
    return file;
  };
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
    for (const s of src.statements) {
      let spec: ts.Expression | undefined;
      if (ts.isImportDeclaration(s)) {
        const clause = s.importClause;
        const named = clause?.namedBindings;
        const onlyTypes = clause && (clause.isTypeOnly || (!clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
        if (!onlyTypes) spec = s.moduleSpecifier;
      } else if (ts.isExportDeclaration(s) && !s.isTypeOnly) {
        spec = s.moduleSpecifier;
      }
      if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('.')) visit(resolve(file, spec.text));
    }
  };
  visit(entry);
  return [...seen].sort();
}

const SEVERITY_OF = `
  const { ESLint } = require('eslint');
  const files = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  (async () => {
    const eslint = new ESLint();
    const out = [];
    for (const f of files) out.push((await eslint.calculateConfigForFile(f)).rules['no-restricted-imports']?.[0] ?? 0);
    process.stdout.write(JSON.stringify(out));
  })();
`;

const inFolder = (dir: string) => (f: string) => path.relative(ROOT, f).startsWith(`${dir}${path.sep}`);

test('the bundle loads project code from flows/ and lib/ only', () => {
  expect(bundled(ENTRY).filter((f) => !inFolder('flows')(f) && !inFolder('lib')(f)).map((f) => path.relative(ROOT, f))).toEqual([]);
});

test('every file of flows/ the bundle loads is under the rule', () => {
  const files = bundled(ENTRY).filter(inFolder('flows'));
  expect(files).toContain(ENTRY);
  const r = spawnSync(process.execPath, ['-e', SEVERITY_OF], { cwd: ROOT, input: JSON.stringify(files), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const severities = JSON.parse(r.stdout) as (number | string)[];
  expect(files.filter((_, i) => ![2, 'error'].includes(severities[i]!)).map((f) => path.relative(ROOT, f))).toEqual([]);
});

test('the real workflow code lints clean', () => {
  const r = spawnSync(ESLINT, ['--format', 'json', path.join(ROOT, 'flows')], { cwd: ROOT, encoding: 'utf8' });
  const results = JSON.parse(r.stdout) as LintResult[];
  expect(results.flatMap((res) => res.messages.map((m) => `${res.filePath}:${m.line} ${m.message}`))).toEqual([]);
});

// The lint rule that keeps workflow code deterministic really fires.
// ESLint loads its flat config with a dynamic import, which jest's VM cannot do, so
// the real CLI runs in a child process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const ESLINT = path.join(ROOT, 'node_modules', '.bin', 'eslint');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; line: number; message: string }[];
}

function lint(args: string[], stdin?: string): LintResult[] {
  const r = spawnSync(ESLINT, ['--format', 'json', ...args], { cwd: ROOT, input: stdin, encoding: 'utf8' });
  return JSON.parse(r.stdout) as LintResult[];
}

async function problems(code: string, file: string): Promise<string[]> {
  const [res] = lint(['--stdin', '--stdin-filename', path.join(ROOT, file)], code);
  return res!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test.each([
  ["import fs from 'node:fs';"],
  ["import { randomUUID } from 'crypto';"],
  ["import { Pool } from 'pg';"],
  ["import { createActivities } from '../activities';"],
  ["import { createSmsSender } from '../providers/tencent-sms/client';"],
])('workflows/ may not: %s', async (line) => {
  expect(await problems(`${line}\nexport const x = 1;\n`, 'workflows/probe.ts')).toHaveLength(1);
});

test('workflows/ may import types from activities and the workflow SDK', async () => {
  const code = "import type { Activities } from '../activities';\nimport { sleep } from '@temporalio/workflow';\nexport type A = Activities;\nexport const s = sleep;\n";
  expect(await problems(code, 'workflows/probe.ts')).toEqual([]);
});

test('outside workflows/ Node built-ins are fine', async () => {
  expect(await problems("import fs from 'node:fs';\nexport const f = fs;\n", 'activities/probe.ts')).toEqual([]);
});

test('the real workflows/ directory lints clean', async () => {
  const results = lint([path.join(ROOT, 'workflows')]);
  expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.message}`))).toEqual([]);
});

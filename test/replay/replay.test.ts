// Determinism: recorded histories of real flows (test/histories/<generation>/, made by
// scripts/record-histories.ts) must replay on today's workflow code. Each folder holds the
// histories one version of the workflows recorded; a change that breaks an older folder
// needs patched(). A generation holds what its change made or touched (a new path, a new
// type); the generations together hold every workflow type.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../lib/config';
import { createDataConverter } from '../../lib/payload-codec';
import { WORKFLOW_TYPES } from '../../flows/registry';
import * as workflows from '../../flows/workflows';
import { tracedBundleOf, workflowSpanSinks } from '../../worker/tracing';

const DIR = path.join(__dirname, '..', 'histories');
const files = fs
  .readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

const typeOf = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name;
test('every workflow type of the registry has a recorded history, and every recorded type is registered', () => {
  // a generation records the paths its change made or touched; together they cover every type
  expect(new Set(files.map(typeOf))).toEqual(new Set(WORKFLOW_TYPES));
});

test('the plain bundle carries no tracing interceptors (they cost every run); its traced sibling does, and both replay', () => {
  const plain = fs.readFileSync(process.env.WORKFLOW_BUNDLE!, 'utf8');
  const traced = fs.readFileSync(tracedBundleOf(process.env.WORKFLOW_BUNDLE!), 'utf8');
  // the OpenTelemetry SDK's module path in webpack's module ids
  expect(plain).not.toContain('@opentelemetry/sdk-trace-base');
  expect(traced).toContain('@opentelemetry/sdk-trace-base');
});

test('the registry names exactly the workflows the bundle exports', () => {
  expect(new Set(Object.keys(workflows))).toEqual(new Set(WORKFLOW_TYPES));
});

// every history on both bundles: a traced worker and an untraced one replay each other's runs
const cases = files.flatMap((f) => [[f, 'plain'] as const, [f, 'traced'] as const]);
test.each(cases)('%s replays without nondeterminism (%s bundle)', async (file, bundle) => {
  // written by protobufjs' toJSON (scripts/record-histories.ts), so fromObject reads it back
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  const cfg = loadConfig({ ...process.env });
  await expect(
    Worker.runReplayHistory(
      {
        workflowBundle: { codePath: bundle === 'plain' ? process.env.WORKFLOW_BUNDLE! : tracedBundleOf(process.env.WORKFLOW_BUNDLE!) },
        dataConverter: createDataConverter(cfg.crypto),
        // the bundle's trace interceptors call their sink (never during replay, but a missing one is an error line)
        sinks: workflowSpanSinks(),
      },
      history,
      file,
    ),
  ).resolves.toBeUndefined();
});

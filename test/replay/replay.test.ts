// Determinism: recorded histories of real flows (test/histories/<generation>/, made by
// scripts/record-histories.ts) must replay on today's workflow code. Each folder holds the
// histories one version of the workflows recorded; a change that breaks an older folder
// needs patched().
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../lib/config';
import { createDataConverter } from '../../lib/payload-codec';

const DIR = path.join(__dirname, '..', 'histories');
const files = fs
  .readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

const typeOf = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name;
const ALL_TYPES = ['bindPhone', 'bindEmail', 'phoneRebind', 'emailRebind', 'realName', 'faceCheck', 'webhookDispatcher'];

test('the newest generation has recorded histories of every workflow type', () => {
  const newest = [...new Set(files.map((f) => path.dirname(f)))].sort().pop()!;
  expect(new Set(files.filter((f) => path.dirname(f) === newest).map(typeOf))).toEqual(new Set(ALL_TYPES));
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  // written by protobufjs' toJSON (scripts/record-histories.ts), so fromObject reads it back
  const history = temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')));
  const cfg = loadConfig({ ...process.env });
  await expect(
    Worker.runReplayHistory(
      {
        workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! },
        dataConverter: createDataConverter(cfg.crypto),
      },
      history,
      file,
    ),
  ).resolves.toBeUndefined();
});

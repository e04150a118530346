// Determinism: recorded histories of real flows (test/histories/, made by
// scripts/record-histories.ts) must replay on today's workflow code. A change that
// breaks this needs patched().
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { loadConfig } from '../../lib/config';
import { createDataConverter } from '../../lib/payload-codec';

const DIR = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

test('there are recorded histories of every workflow type', () => {
  const types = files.map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name);
  expect(new Set(types)).toEqual(new Set(['bindPhone', 'bindEmail', 'phoneRebind', 'emailRebind', 'realName', 'faceCheck', 'webhookDispatcher']));
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

// Bundles workflow code ahead of time (production starts, tests): the worker then
// starts in milliseconds instead of running webpack.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';
import { WORKFLOW_TRACING_MODULE } from './tracing';

export async function writeWorkflowBundle(outFile: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // a bundle ignores the worker's workflowModules: its interceptors are the ones built in
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    failureConverterPath: require.resolve('../lib/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  return outFile;
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js');
  writeWorkflowBundle(out).then((f) => console.log(`workflow bundle written to ${f}`));
}

// Bundles workflow code ahead of time (production starts, tests): the worker then
// starts in milliseconds instead of running webpack. Two bundles: the plain one, and the
// traced one (`<name>.traced.js`) with the workflow tracing interceptors built in, which a worker
// with traces on picks (worker/worker.ts). Apart because the interceptors' modules (the
// OpenTelemetry SDK) load into every workflow run: bundled in a worker that traces nothing they
// cost it about a third more CPU per journey and 100 MB of memory (issue 10's bench).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOWS_PATH } from './worker';
import { tracedBundleOf, WORKFLOW_TRACING_MODULE } from './tracing';

export async function writeWorkflowBundle(outFile: string, o: { traced?: boolean } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // a bundle ignores the worker's workflowModules: its interceptors are the ones built in
    workflowInterceptorModules: o.traced ? [WORKFLOW_TRACING_MODULE] : [],
    failureConverterPath: require.resolve('../lib/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  return outFile;
}

/** Both bundles: `out` and its traced sibling. */
export async function writeWorkflowBundles(out: string): Promise<string[]> {
  return [await writeWorkflowBundle(out), await writeWorkflowBundle(tracedBundleOf(out), { traced: true })];
}

if (require.main === module) {
  const out = process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js');
  writeWorkflowBundles(out).then((files) => console.log(`workflow bundles written to ${files.join(', ')}`));
}

// What one call into a workflow's V8 context costs, beside the floor. The SDK makes every such
// call (an activation, unblocking conditions, concluding it, a workflow's start and disposal)
// with vm's `timeout` set to isolateExecutionTimeout (5 s): its deadlock detector. For each
// call with a timeout, Node creates a watchdog thread and joins it (nodejs/node#47739), so
// the call costs a thread's start and end. Measured here on the bench's own thread, quiet,
// with the same trivial script run with and without the timeout; docs/testing.md tells what
// removing it did to the journeys, and why the product keeps it.
import vm from 'node:vm';

export interface VmCallCost {
  calls: number;
  /** CPU µs per call with the SDK's 5 s timeout */
  withWatchdogUs: number;
  /** CPU µs per call without a timeout */
  withoutUs: number;
}

/** the SDK's default isolateExecutionTimeout */
const SDK_TIMEOUT_MS = 5000;

function cpuUsPerCall(calls: number, run: () => void): number {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export function measureVmCall(calls = 2000): VmCallCost {
  const context = vm.createContext({ n: 0 });
  const script = new vm.Script('n++');
  const withWatchdog = () => script.runInContext(context, { timeout: SDK_TIMEOUT_MS });
  const without = () => script.runInContext(context);
  // warm both paths, then alternate halves so a burst of other work hits both alike
  cpuUsPerCall(100, withWatchdog);
  cpuUsPerCall(100, without);
  const half = Math.ceil(calls / 2);
  const w1 = cpuUsPerCall(half, withWatchdog);
  const o1 = cpuUsPerCall(half, without);
  const w2 = cpuUsPerCall(half, withWatchdog);
  const o2 = cpuUsPerCall(half, without);
  return { calls: 2 * half, withWatchdogUs: (w1 + w2) / 2, withoutUs: (o1 + o2) / 2 };
}

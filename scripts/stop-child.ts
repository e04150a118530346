// Stopping a child process of a stack (the Temporal servers, the bench's parts): SIGTERM, and
// SIGKILL when it has not exited within the grace time.
import type { ChildProcess } from 'node:child_process';

export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

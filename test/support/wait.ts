// Messages reach the sandboxes from other processes (worker activities), at a time a test
// cannot know, so tests poll instead of sleeping a guessed amount.
const POLL_MS = 25;

/** Resolves with the first value of fn() that is not undefined; rejects after timeoutMs. */
export async function waitFor<T>(fn: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** waitFor for a condition that must be read asynchronously (a database row, a query). */
export async function waitForAsync<T>(fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`waitForAsync: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

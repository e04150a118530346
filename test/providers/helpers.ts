// Shared bits for the provider tests. Not a test file (jest matches *.test.ts only).
import { createServer } from 'node:net';
import { loadConfig, type Config } from '../../lib/config';

export const SECRET_ID = 'AKIDtestsandbox000000000000000001';
export const SECRET_KEY = 'test-sms-secret-key-000000000000';
export const SDK_APP_ID = '1400000000';

/** Config exactly as production builds it, pointed at a local gateway. */
export function smsConfig(port: number, overrides: Partial<Config['sms']> = {}): Config['sms'] {
  const base = loadConfig({ SMS_SECRET_ID: SECRET_ID, SMS_SECRET_KEY: SECRET_KEY, SMS_SDK_APP_ID: SDK_APP_ID }).sms;
  return { ...base, endpoint: `127.0.0.1:${port}`, protocol: 'http://', timeoutSec: 5, ...overrides };
}

export function mailConfig(port: number, overrides: Partial<Config['mail']> = {}): Config['mail'] {
  return { ...loadConfig({}).mail, host: '127.0.0.1', port, timeoutSec: 5, ...overrides };
}

/** A port nothing listens on: bind, note it, release. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A provider answer that must be a success, narrowed to it. */
export function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
}

/** A provider answer that must be a failure, narrowed to it. */
export function failed<T extends { ok: boolean }>(r: T): Extract<T, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: false }>;
}

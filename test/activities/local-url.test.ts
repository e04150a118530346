// db/local-url.ts against this machine's PostgreSQL: where its Unix socket answers, the embedded
// defaults (npm start, this test run, the bench) connect through it; else over 127.0.0.1:5432.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { POSTGRES_SOCKET_DIR, localDatabaseUrl, socketDatabaseUrl, tcpDatabaseUrl } from '../../db/local-url';

const hasSocket = fs.existsSync(path.join(POSTGRES_SOCKET_DIR, '.s.PGSQL.5432'));

/** The server's address of this connection: null over a Unix socket. */
async function serverAddress(url: string): Promise<string | null> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ addr: string | null }>('SELECT host(inet_server_addr()) AS addr')).rows[0]!.addr;
  } finally {
    await c.end();
  }
}

test('the local URL reaches the server, over the socket where it has one', async () => {
  const url = await localDatabaseUrl('postgres');
  expect(url).toBe(hasSocket ? socketDatabaseUrl('postgres') : tcpDatabaseUrl('postgres'));
  expect(await serverAddress(url)).toBe(hasSocket ? null : '127.0.0.1');
  expect(await serverAddress(tcpDatabaseUrl('postgres'))).toBe('127.0.0.1');
});

test("this run's stack uses it (test/support/global-setup.ts)", () => {
  if (process.env.VSAGA_TEST_DATABASE_URL) return; // a database given is used as given
  expect(new URL(process.env.DATABASE_URL!).searchParams.get('host')).toBe(hasSocket ? POSTGRES_SOCKET_DIR : null);
});

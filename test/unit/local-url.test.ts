// db/local-url.ts: the embedded defaults' PostgreSQL URL, socket or TCP, as pg reads it. No
// server here: a folder without the socket, and one whose "socket" is a plain file, both fall
// back to TCP (test/activities/local-url.test.ts connects over the machine's real socket).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { localDatabaseUrl, socketDatabaseUrl, tcpDatabaseUrl } from '../../db/local-url';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-pg-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Where pg would connect with this URL (a client not connected). */
function parse(url: string) {
  const c = new Client({ connectionString: url });
  return { host: c.host, port: String(c.port), user: c.user, database: c.database };
}

test('no socket in the folder: TCP on 127.0.0.1:5432', async () => {
  expect(await localDatabaseUrl('vsaga_x', dir)).toBe(tcpDatabaseUrl('vsaga_x'));
  expect(parse(tcpDatabaseUrl('vsaga_x'))).toMatchObject({ host: '127.0.0.1', port: '5432', user: 'postgres', database: 'vsaga_x' });
});

test('a socket nobody answers on: TCP', async () => {
  fs.writeFileSync(path.join(dir, '.s.PGSQL.5432'), '');
  expect(await localDatabaseUrl('vsaga_x', dir)).toBe(tcpDatabaseUrl('vsaga_x'));
});

test("the socket's URL: pg connects to the folder, and a database swapped in the path keeps it", () => {
  const url = socketDatabaseUrl('vsaga_x', '/var/run/postgresql');
  expect(parse(url)).toMatchObject({ host: '/var/run/postgresql', user: 'postgres', database: 'vsaga_x' });
  // as db/migrate.ts and dropDatabase reach the server's own database
  const admin = new URL(url);
  admin.pathname = '/postgres';
  expect(parse(admin.toString())).toMatchObject({ host: '/var/run/postgresql', database: 'postgres' });
});

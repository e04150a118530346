// The embedded defaults' PostgreSQL (npm start, npm test, the bench's own stack): this machine's,
// over its Unix socket when the server answers there, else over 127.0.0.1:5432. Co-located, a
// query over the socket costs the client about a third less CPU than over loopback TCP, whose
// protocol work the kernel does in the writer's system call (docs/testing.md, "PostgreSQL over
// its Unix socket"). A DATABASE_URL given is used as given.
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** Where Debian's (and most distributions') PostgreSQL puts its socket. */
export const POSTGRES_SOCKET_DIR = '/var/run/postgresql';

export function tcpDatabaseUrl(database: string): string {
  return `postgres://postgres@127.0.0.1:5432/${database}`;
}

/** pg reads the socket's folder from `host` (the URL's own host part cannot hold a path). */
export function socketDatabaseUrl(database: string, dir = POSTGRES_SOCKET_DIR): string {
  return `postgres://postgres@localhost/${database}?host=${encodeURIComponent(dir)}`;
}

/**
 * The socket's URL when the server there lets user postgres in (a socket may ask for peer
 * authentication where TCP trusts), else TCP's. Asked of the server's own `postgres` database:
 * `database` may not exist yet (the migrations create it).
 */
export async function localDatabaseUrl(database: string, dir = POSTGRES_SOCKET_DIR): Promise<string> {
  if (!fs.existsSync(path.join(dir, '.s.PGSQL.5432'))) return tcpDatabaseUrl(database);
  const probe = new Client({ connectionString: socketDatabaseUrl('postgres', dir), connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
    return socketDatabaseUrl(database, dir);
  } catch {
    return tcpDatabaseUrl(database);
  } finally {
    await probe.end().catch(() => undefined);
  }
}

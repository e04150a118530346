// Binding a server and naming where it listens: one place, so every process and
// sandbox reports a start-up failure (port in use) the same way.
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Listens on host:port (0 = any free port); resolves with the bound port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** http://host:port, with an IPv6 host in brackets. */
export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

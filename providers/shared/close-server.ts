// Closing a sandbox's HTTP server at once: requests it is holding on purpose (failure modes
// that answer late or never) are cut, and idle keep-alive sockets of the clients' agents
// would otherwise delay close().
import type { Server, ServerResponse } from 'node:http';

export function closeServer(server: Server, held: Set<ServerResponse>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    for (const res of held) res.destroy();
    held.clear();
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

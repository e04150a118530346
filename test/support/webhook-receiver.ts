// A webhook receiver as an integrator would write one: node:http, reads the raw body,
// verifies the Webhook-Signature with the documented helper, answers per a handler.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../lib/webhook-signature';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; accountId: string; data: Record<string, unknown> };
  /** the signature verified with the path's current secret */
  verified: boolean;
  /** what the receiver answered */
  status: number;
  at: number;
}

/** Decides the answer for one request; may be slow. */
export type Handler = (r: Omit<Received, 'status' | 'at'>) => number | Promise<number>;

export interface Receiver {
  url(path: string): string;
  /** path → the secret to verify with (from subscriber creation / rotation) */
  secrets: Map<string, string>;
  /** path → the handler (default: 200) */
  handlers: Map<string, Handler>;
  received: Received[];
  /** accepted requests (2xx) for one account, in arrival order */
  deliveredFor(accountId: string, path?: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const handlers = new Map<string, Handler>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const secret = secrets.get(path);
        const header = req.headers['webhook-signature'];
        const verified = !!secret && verifyWebhookSignature(secret, typeof header === 'string' ? header : undefined, raw);
        let body: Received['body'];
        try {
          body = JSON.parse(raw);
        } catch {
          res.writeHead(400).end();
          return;
        }
        const r = { path, headers: req.headers, raw, body, verified };
        // an unverified request is refused like a careful integrator would
        const status = verified ? await (handlers.get(path) ?? (() => 200))(r) : 401;
        received.push({ ...r, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    secrets,
    handlers,
    received,
    deliveredFor: (accountId, path) => received.filter((r) => r.body.accountId === accountId && r.status < 300 && (!path || r.path === path)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

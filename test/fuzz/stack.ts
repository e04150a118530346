// The in-process stack the fuzz runs against: the test stack (own task queue, real worker,
// Postgres, Redis, sandboxes) plus a sandbox inbox, so the console's inbox proxy answers as
// under `npm start` and the fuzz can read the codes its own fixtures need.
import http from 'node:http';
import type express from 'express';
import { httpUrl, listen } from '../../lib/listen';
import { createInboxApp } from '../../sandbox/inbox-http';
import { API_KEY, startStack, type Stack } from '../support/stack';

export interface FuzzStack {
  stack: Stack;
  baseUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startFuzzStack(): Promise<FuzzStack> {
  // the inbox's address goes into the stack's config, and its app needs the stack's sandboxes
  let inboxApp: express.Express | null = null;
  const inbox = http.createServer((req, res) => (inboxApp ? inboxApp(req, res) : res.writeHead(503).end()));
  const inboxUrl = httpUrl('127.0.0.1', await listen(inbox, 0, '127.0.0.1'));
  const stack = await startStack({ SANDBOX_INBOX_URL: inboxUrl });
  inboxApp = createInboxApp(stack.sms, stack.smtp);
  return {
    stack,
    baseUrl: stack.baseUrl,
    apiKey: API_KEY,
    async close() {
      await stack.close();
      inbox.closeAllConnections();
      await new Promise((r) => inbox.close(r));
    },
  };
}

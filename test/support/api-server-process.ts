// createApiServer in a process of its own, answering every routed request with 200: for tests
// of what happens on the socket between two processes (a reset is a kernel matter, and does not
// show when client and server share one event loop). Prints the port it listens on.
import express from 'express';
import { createApiServer } from '../../api/server';
import { listen } from '../../lib/listen';

const app = express();
app.use((_req, res) => void res.json({ ok: true }));
listen(createApiServer(app), 0, '127.0.0.1').then((port) => console.log(`port ${port}`));

// The codec server the Temporal Web UI calls to show operators decoded payloads.
// Loopback-only by default; when exposed, every call needs the bearer token. CORS
// admits only the UI's origin(s).
import express from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../lib/payload-codec';
import type { Config } from '../lib/config';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

function fromJson(p: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: p.data ? Buffer.from(p.data, 'base64') : undefined,
  };
}

function toJson(p: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
  };
}

export function createCodecApp(cfg: Pick<Config, 'codec' | 'crypto'>): express.Express {
  const codec = new AesGcmPayloadCodec(cfg.crypto.payloadKeys, cfg.crypto.payloadKeyId);
  const tokenDigest = cfg.codec.token ? createHash('sha256').update(`Bearer ${cfg.codec.token}`).digest() : null;
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const origin = req.get('origin');
    if (origin && cfg.codec.corsOrigins.includes(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Vary', 'Origin');
      res.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      res.set('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });

  app.use((req, res, next) => {
    if (!tokenDigest) return next();
    // the scheme is case-insensitive (RFC 7235); the token is not
    const header = (req.get('authorization') ?? '').replace(/^bearer /i, 'Bearer ');
    const given = createHash('sha256').update(header).digest();
    if (!timingSafeEqual(given, tokenDigest)) {
      return void res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'codec server needs the operator token' } });
    }
    next();
  });

  app.use(express.json({ limit: '4mb' }));

  const handle = (op: 'encode' | 'decode') =>
    async (req: express.Request, res: express.Response) => {
      const payloads = (req.body as { payloads?: JsonPayload[] })?.payloads;
      if (!Array.isArray(payloads)) {
        return void res.status(400).json({ error: { code: 'INVALID_INPUT', message: 'body must be { payloads: [...] }' } });
      }
      try {
        const out = await codec[op](payloads.map(fromJson));
        res.json({ payloads: out.map(toJson) });
      } catch {
        res.status(400).json({ error: { code: 'INVALID_INPUT', message: `payloads could not be ${op}d` } });
      }
    };
  app.post('/encode', handle('encode'));
  app.post('/decode', handle('decode'));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: 'POST /encode or /decode' } }));
  app.use(((err, _req, res, _next) => {
    if ((err as { type?: string }).type === 'entity.too.large') {
      return void res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'at most 4 MB of payloads per call' } });
    }
    res.status(400).json({ error: { code: 'INVALID_INPUT', message: err instanceof Error ? err.message : 'bad request' } });
  }) as express.ErrorRequestHandler);
  return app;
}

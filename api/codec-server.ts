// The codec server the Temporal Web UI calls to show operators decoded payloads.
// Loopback-only by default; when exposed, every call needs an operator's credential: the
// static bearer token (CODEC_TOKEN, for the `temporal` CLI's --codec-auth and scripts), or
// the signed-in operator's OIDC access token the UI forwards (CODEC_JWT_ISSUER, checked by
// lib/operator-token.ts). With both set, either is accepted. CORS admits only the UI's origin(s).
import express from 'express';
import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../lib/payload-codec';
import type { Config } from '../lib/config';
import { OperatorTokenVerifier } from '../lib/operator-token';
import { bearerMatcher } from '../http/bearer';

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

const STATUS_CODES = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 503: 'SERVICE_UNAVAILABLE' } as const;
// RFC 6750 §3.1: what a client should do next (sign in again, or ask for the role)
const BEARER_ERRORS = { 401: 'invalid_token', 403: 'insufficient_scope' } as const;

export interface CodecAppDeps {
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** the JWT check; default: one built from cfg.codec.jwt */
  operatorTokens?: OperatorTokenVerifier;
}

export function createCodecApp(cfg: Pick<Config, 'codec' | 'crypto'>, deps: CodecAppDeps = {}): express.Express {
  const codec = new AesGcmPayloadCodec(cfg.crypto.payloadKeys, cfg.crypto.payloadKeyId);
  const staticTokenMatches = cfg.codec.token ? bearerMatcher(cfg.codec.token) : null;
  const operatorTokens = deps.operatorTokens ?? (cfg.codec.jwt ? new OperatorTokenVerifier({ ...cfg.codec.jwt, log: deps.log }) : null);
  const app = express();
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const origin = req.get('origin');
    if (origin && cfg.codec.corsOrigins.includes(origin)) {
      res.set('Access-Control-Allow-Origin', origin);
      res.set('Vary', 'Origin');
      res.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      // the UI (2.42.1 at least) sends the operator's ID token in Authorization-Extras beside the
      // access token, and a preflight that does not allow it fails the whole call
      res.set('Access-Control-Allow-Headers', 'Content-Type, Authorization, Authorization-Extras, X-Namespace');
      res.set('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') return void res.sendStatus(204);
    next();
  });

  app.use(async (req, res, next) => {
    if (!staticTokenMatches && !operatorTokens) return next();
    const authorization = req.get('authorization') ?? '';
    if (staticTokenMatches?.(authorization)) return next();
    if (!operatorTokens) {
      return void res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'codec server needs the operator token' } });
    }
    const check = await operatorTokens.check(authorization);
    if (check.ok) return next();
    // the reason only: never the token, nor claims that could name the person
    deps.log?.info({ status: check.status, reason: check.reason, path: req.path }, 'codec server refused an operator token');
    if (check.status !== 503) res.set('WWW-Authenticate', `Bearer error="${BEARER_ERRORS[check.status]}"`);
    const message = check.status === 503 ? `operator token not checked: ${check.reason}` : `operator token refused: ${check.reason}`;
    res.status(check.status).json({ error: { code: STATUS_CODES[check.status], message } });
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

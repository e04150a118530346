// A bare HTTP/1.1 client over a socket. fetch and node:http refuse to send what a hostile
// client can (control characters in header values, unknown methods, malformed request
// lines, bytes that are not UTF-8), and the server must answer those in the envelope too.
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** the request target exactly as written on the request line */
  target: string;
  /** name, value: written as latin1 bytes unless the value is a Buffer */
  headers: [string, string | Buffer][];
  body?: Buffer;
  /** the whole request head instead of method/target/headers (malformed request lines) */
  rawHead?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class RequestTimeout extends Error {
  override name = 'RequestTimeout';
}

function head(req: RawRequest): Buffer {
  if (req.rawHead) return req.rawHead;
  const parts: Buffer[] = [Buffer.from(`${req.method} ${req.target} HTTP/1.1\r\n`, 'latin1')];
  for (const [name, value] of req.headers) parts.push(Buffer.from(`${name}: `, 'latin1'), typeof value === 'string' ? Buffer.from(value, 'latin1') : value, Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export function parseResponse(raw: Buffer): RawResponse {
  // an interim answer (100 Continue to "Expect: 100-continue") comes before the real one
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head (${raw.length} bytes)`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  if (!m) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c > 0) headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status: Number(m[1]), headers, body };
}

/** Sends one request on its own connection (Connection: close) and reads the answer to EOF. */
export function send(host: string, port: number, req: RawRequest, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RequestTimeout(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(head(req));
      if (req.body?.length) socket.write(req.body);
    });
    socket.on('data', (c) => chunks.push(c));
    // the server may answer and close before the whole body is written (413): not our error
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      if (!raw.length) return reject(new Error('connection closed without an answer'));
      try {
        resolve(parseResponse(raw));
      } catch (err) {
        reject(err);
      }
    });
  });
}

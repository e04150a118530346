// Plain HTTP calls to a server a test listens on: node:http, so a test sees exactly the status,
// headers and body on the wire (no client follows redirects or parses for it).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** the body parsed, or undefined when it is not JSON */
  json: any;
}

export function request(port: number, method: string, path: string, opts: { headers?: Record<string, string>; body?: string } = {}): Promise<HttpResponse> {
  return send({ host: '127.0.0.1', port, method, path, headers: opts.headers }, opts.body);
}

/** The same call to a whole URL, over the given agent (the bench's driver keeps its sockets alive). */
export function requestUrl(url: string, method: string, opts: { headers?: Record<string, string>; body?: string; agent?: http.Agent } = {}): Promise<HttpResponse> {
  const { hostname, port, pathname, search } = new URL(url);
  return send({ host: hostname, port, method, path: pathname + search, headers: opts.headers, agent: opts.agent }, opts.body);
}

function send(options: http.RequestOptions, body: string | undefined): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Serves `app` on a free loopback port. */
export async function listen(app: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

export const close = (s: http.Server) => new Promise<void>((resolve) => s.close(() => resolve()));

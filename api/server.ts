// The API's HTTP server. What Node answers by itself, before Express sees a request — a head
// its parser refuses (a control character in a header, an unknown method, a broken request
// line, a head past the size limit), an Expect it does not support, a CONNECT or an Upgrade
// nobody handles — would get a bare status line or a dropped connection. It gets the error
// envelope here, like everything else.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestListener } from 'node:http';
import { ERRORS, type ErrorCode } from '../lib/errors';
import { errorBody, languageOf, type Lang } from '../http/errors';

/** A whole HTTP/1.1 answer in the envelope, for a socket Express never got. */
export function rawAnswer(code: ErrorCode, lang: Lang = 'zh', details?: Record<string, unknown>): string {
  const status = ERRORS[code].status;
  const body = JSON.stringify(errorBody(code, lang, details));
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

function clientErrorCode(err: NodeJS.ErrnoException): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'INVALID_INPUT';
}

/**
 * The client may still be sending (a head far over the limit, then its body). Closing a socket
 * with unread input makes the kernel reset the connection, and a reset can discard the answer
 * before the client reads it; so what still comes is read and dropped for a moment first.
 */
function lingerThenClose(socket: Duplex, ms = 2000): void {
  socket.on('data', () => {});
  socket.resume();
  socket.once('end', () => socket.destroy());
  setTimeout(() => socket.destroy(), ms).unref();
}

export function createApiServer(app: RequestListener): http.Server {
  const server = http.createServer(app);
  // sockets answered here: Node reports the parse error again for every further chunk they send
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // a response already on its way (a parse error in a later pipelined request) cannot be followed by another
    const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
    // the head was not parsed: no Accept-Language to go by
    const code = clientErrorCode(err);
    socket.end(rawAnswer(code, 'zh', code === 'INVALID_INPUT' ? { reason: 'malformed HTTP request' } : undefined));
    lingerThenClose(socket);
  });
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = JSON.stringify(errorBody('EXPECTATION_FAILED', languageOf(req.headers['accept-language'])));
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  });
  // no tunnels and no WebSockets here
  const noSuchRoute = (req: http.IncomingMessage, socket: Duplex) => void socket.end(rawAnswer('ROUTE_NOT_FOUND', languageOf(req.headers['accept-language'])));
  server.on('connect', noSuchRoute);
  server.on('upgrade', noSuchRoute);
  return server;
}

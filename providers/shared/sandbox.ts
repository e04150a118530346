// What the provider sandboxes share: the transport faults a test asks them to play, and the
// magic word a test puts in a face check's metaInfo to choose its outcome.
import type { ServerResponse } from 'node:http';

/**
 * 'http500' answers an HTML 500 before any check, as a gateway in trouble does; 'timeout' holds
 * the request unanswered (closeServer cuts it). Answers whether one was played.
 */
export function playTransportFault(mode: string | null, res: ServerResponse, held: Set<ServerResponse>): boolean {
  if (mode === 'http500') {
    res.writeHead(500, { 'Content-Type': 'text/html' }).end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    return true;
  }
  if (mode === 'timeout') {
    held.add(res);
    res.on('close', () => held.delete(res));
    return true;
  }
  return false;
}

/**
 * The `sandbox` word of a metaInfo: its JSON field, else a plain `sandbox: word` / `sandbox=word`
 * in the text; lower-cased, numbers as strings (undefined: none).
 */
export function sandboxWordOf(metaInfo: string): string | undefined {
  let word: unknown;
  try {
    const parsed: unknown = JSON.parse(metaInfo);
    if (typeof parsed === 'object' && parsed !== null) word = (parsed as Record<string, unknown>).sandbox;
  } catch {
    // not JSON: the plain-text form below
  }
  if (word === undefined) word = /sandbox\s*[:=]\s*"?([a-z0-9_]+)/i.exec(metaInfo)?.[1];
  if (typeof word === 'number') word = String(word);
  return typeof word === 'string' ? word.toLowerCase() : undefined;
}

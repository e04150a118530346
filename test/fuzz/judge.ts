// What every answer must be: below 500, and a 4xx in the error envelope with a catalogue code
// whose status it carries.
import { ERRORS, isErrorCode, type ErrorCode } from '../../lib/errors';
import { RequestTimeout, type RawResponse } from './raw-http';

export type Verdict = { ok: true } | { ok: false; kind: '5xx' | 'envelope' | 'timeout' | 'no-answer'; problem: string };

const fail = (kind: Exclude<Verdict, { ok: true }>['kind'], problem: string): Verdict => ({ ok: false, kind, problem });

export function judge(method: string, answer: RawResponse | Error): Verdict {
  if (answer instanceof RequestTimeout) return fail('timeout', answer.message);
  if (answer instanceof Error) return fail('no-answer', answer.message);
  const { status } = answer;
  const text = answer.body.toString('utf8');
  if (status >= 500) return fail('5xx', `${status} ${text.slice(0, 300)}`);
  if (status < 400 || method === 'HEAD') return { ok: true };
  if (!/^application\/json\b/i.test(answer.headers['content-type'] ?? '')) return fail('envelope', `${status} with content-type ${answer.headers['content-type'] ?? '(none)'}: ${JSON.stringify(text.slice(0, 120))}`);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('envelope', `${status} body is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
  }
  const e = body?.error;
  if (!e || typeof e !== 'object') return fail('envelope', `${status} without an error object: ${text.slice(0, 200)}`);
  if (!isErrorCode(e.code)) return fail('envelope', `${status} with a code not in lib/errors.ts: ${JSON.stringify(e.code)}`);
  if (typeof e.message !== 'string' || !e.message) return fail('envelope', `${status} ${e.code} without a message`);
  if (e.details !== undefined && (e.details === null || typeof e.details !== 'object' || Array.isArray(e.details))) return fail('envelope', `${status} ${e.code} with details not an object`);
  const expected = ERRORS[e.code as ErrorCode].status;
  if (expected !== status) return fail('envelope', `${e.code} is ${expected} in the catalogue, answered ${status}`);
  return { ok: true };
}

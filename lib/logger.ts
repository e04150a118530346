// Structured logs. Personal data must never be logged: callers log masked values or
// blind-index hashes; the redact list is a second net for fields that slip through.
import pino from 'pino';

const REDACT = [
  'phone', 'email', 'realName', 'idCard', 'idNumber', 'code', 'target', 'to',
  '*.phone', '*.email', '*.name', '*.realName', '*.idCard', '*.idNumber', '*.code', '*.target', '*.to',
  'req.headers.authorization', 'req.headers["x-api-key"]',
  // bearer strings a request may carry (the security pass of a real-name start); never logged on purpose
  'securityPass', '*.securityPass',
];

export type Logger = pino.Logger;

export function createLogger(name: string, level: string = process.env.VSAGA_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

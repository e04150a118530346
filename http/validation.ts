import type { z } from 'zod';
import { AppError } from '../lib/errors';

/** Parses with a zod schema; a failure names the fields, never echoes their values. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', problem: i.message }));
  throw new AppError('INVALID_INPUT', { fields });
}

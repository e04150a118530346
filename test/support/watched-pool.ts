// A pool whose statements a test sees as they are sent, over the real database: to count a
// route's or a step's statements of one kind, or to fail one of them.
import type { Pool } from 'pg';

/** `see` gets each query's text; an error it returns fails that query instead of sending it. */
export function watchedPool(pool: Pool, see: (sql: string) => Error | void): Pool {
  return new Proxy(pool, {
    get(target, key) {
      if (key === 'query') {
        return (text: unknown, ...rest: unknown[]) => {
          const failed = see(typeof text === 'string' ? text : String((text as { text?: string })?.text ?? ''));
          if (failed) return Promise.reject(failed);
          return (target.query as (...a: unknown[]) => unknown)(text, ...rest);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

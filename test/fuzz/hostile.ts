// Hostile leaves: strings, numbers and shapes a careless handler trips over.
import fc from 'fast-check';
import { Entries, Raw, type Json } from './json-text';

const C0 = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i));
/** every control character the API must refuse: C0, DEL, C1 */
export const CONTROL_CHARS = [...C0, '\u007f', ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i))];

/** NUL above all (PostgreSQL refuses it in text), then any control character. */
export const controlChar: fc.Arbitrary<string> = fc.oneof({ weight: 2, arbitrary: fc.constant('\u0000') }, { weight: 3, arbitrary: fc.constantFrom(...CONTROL_CHARS) });

const ODDITIES = [
  '\ud800', '\udfff', 'a\udc00b', '\ud83d', // unpaired surrogates
  '\u202e', '\u202d', '\u2066', '\u200f', // bidi overrides / isolates, RTL mark
  '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', // zero-width, BOM
  '\u2028', '\u2029', '\u0085', // line / paragraph separators, NEL
  '\ufffd', '\uffff', '\ufffe', '\u{10ffff}', '\u{1f600}', '\u{e0001}',
  'e\u0301', 'Z\u0351\u0352\u0353\u0354\u0355\u0356', // combining marks
  '１３８００１３８０００', 'ｆｕｌｌ', 'ß', 'İ', 'ﬃ', '张三', 'مرحبا', 'שלום',
];

/** Blank to String.prototype.trim, not to a length check. */
const BLANKS = [' ', '  ', '\u00a0', '\u3000', '\ufeff', '\u2028', '\u2003', ' \u3000 '];

const SHAPES = [
  '', '  \t ', 'null', 'undefined', 'true', '0', '-0', 'NaN', 'Infinity', '1e309', '-1e309', '0x10', '9'.repeat(400),
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__',
  '../../../etc/passwd', '..\\..\\windows\\win.ini', '%00', '%2e%2e%2f', '%', '%zz', '%E0%A4%A', '/', '//', '.', '..',
  "' OR '1'='1", "'; DROP TABLE accounts; --", '$1', '\\', '\\u0000', '"', '<script>alert(1)</script>', '{{7*7}}', '${7*7}', '%s%s%n',
  'bind-phone:', 'bind-phone::', 'real-name:x/face', 'a:b:c', '*', '?', '#', '&', '=', ';', ',', '+',
  'http://169.254.169.254/latest/meta-data/', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pass@127.0.0.1:9/#x',
];

/** A string with something hostile in it, of any length up to past the body limit. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), controlChar, fc.string({ maxLength: 8 })).map(([a, c, b]) => a + c + b) },
  { weight: 3, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...ODDITIES), fc.string({ maxLength: 6 })).map(([a, c, b]) => a + c + b) },
  { weight: 3, arbitrary: fc.constantFrom(...SHAPES) },
  { weight: 1, arbitrary: fc.constantFrom(...BLANKS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '中', '\u0000', '😀', '\u200b', '%'), fc.constantFrom(129, 257, 513, 4097, 9000, 30_000, 70_000)).map(([c, n]) => c.repeat(n)) },
);

/** Numbers at the edges, some only writable as raw JSON literals. */
export const hostileNumber: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(0, -1, 1, 1.5, -1.5, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324, Number.MAX_VALUE),
  fc.constantFrom(...['1e999', '-1e999', '-0', '1E+2', '0.0000001', '123456789012345678901234567890', '-0.0e-0', '1.0'].map((t) => new Raw(t))),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Nesting deep enough to hurt a recursive walker, shallow enough to fit the body limit. */
export const deepNesting: fc.Arbitrary<Json> = fc
  .tuple(fc.constantFrom('[]', '{"a":}'), fc.constantFrom(64, 1000, 5000, 20_000))
  .map(([kind, depth]) => {
    const [open, close] = kind === '[]' ? ['[', ']'] : ['{"a":', '}'];
    return new Raw(`${open.repeat(depth)}1${close.repeat(depth)}`);
  });

/** Objects aimed at prototype pollution and at code that trusts its keys. */
export const pollutingObject: fc.Arbitrary<Json> = fc.oneof(
  fc.constant<Json>(new Entries([['__proto__', { polluted: true, isAdmin: true }]])),
  fc.constant<Json>(new Entries([['constructor', { prototype: { polluted: true } }]])),
  fc.constant<Json>(new Entries([['__proto__', new Entries([['__proto__', { x: 1 }]])], ['toString', 'x'], ['valueOf', 1], ['hasOwnProperty', 'x']])),
  fc.dictionary(hostileString.filter((k) => k.length < 200), fc.constant<Json>(1), { maxKeys: 4 }) as fc.Arbitrary<Json>,
);

/** Any JSON value that is likely the wrong thing where it is put. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 2, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}, [null], [''], ['a', 'b']) },
  { weight: 2, arbitrary: pollutingObject },
  { weight: 1, arbitrary: deepNesting },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
);

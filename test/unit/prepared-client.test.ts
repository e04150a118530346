// db/prepared-client.ts without a server: which queries get a name, and which name.
import { MAX_NAMED_TEXTS, renameAllStatements, statementName, withName } from '../../db/prepared-client';

const SELECT = 'SELECT id FROM accounts WHERE id = $1';

test('a text sent with values is named; the same text always by the same name, another by another', () => {
  const [named] = withName([SELECT, ['a']]) as [{ name: string; text: string }];
  expect(named).toEqual({ name: expect.stringMatching(/^v\d+_[A-Za-z0-9_-]{27}$/), text: SELECT });
  const [again] = withName([SELECT, ['b']]) as [{ name: string }];
  expect(again.name).toBe(named.name);
  expect(statementName('SELECT id FROM accounts WHERE id = $2')).not.toBe(named.name);
});

test('a config object keeps what it carries beside its name; its values count as values', () => {
  const [named] = withName([{ text: SELECT, values: ['a'], rowMode: 'array' }]) as [Record<string, unknown>];
  expect(named).toEqual({ text: SELECT, values: ['a'], rowMode: 'array', name: statementName(SELECT) });
  const cb = () => {};
  const args = withName([{ text: SELECT }, ['a'], cb]);
  expect(args).toEqual([{ text: SELECT, name: statementName(SELECT) }, ['a'], cb]);
});

test('left as they are: no values, a name already given, a submittable', () => {
  for (const args of [['BEGIN'], ['SELECT 1', []], [{ text: 'SELECT 1' }], [{ text: SELECT, values: ['a'], name: 'mine' }]]) {
    expect(withName(args)).toBe(args);
  }
  const cursor = { text: SELECT, values: ['a'], submit: () => {} };
  const args = [cursor];
  expect(withName(args)).toBe(args);
});

test('after a stale statement every text is named afresh', () => {
  const before = statementName(SELECT);
  renameAllStatements();
  const after = statementName(SELECT);
  expect(after).not.toBe(before);
  expect(statementName(SELECT)).toBe(after);
});

test('beyond the cap a text goes unnamed, and the texts named before keep their names', () => {
  jest.isolateModules(() => {
    // a fresh module: its own map of names, empty
    const m = jest.requireActual<typeof import('../../db/prepared-client')>('../../db/prepared-client');
    const first = m.statementName('SELECT $1::int AS n0');
    for (let i = 1; i < MAX_NAMED_TEXTS; i++) expect(m.statementName(`SELECT $1::int AS n${i}`)).not.toBeNull();
    expect(m.statementName('SELECT $1::int AS one_too_many')).toBeNull();
    expect(m.withName(['SELECT $1::int AS one_too_many', [1]])).toEqual(['SELECT $1::int AS one_too_many', [1]]);
    expect(m.statementName('SELECT $1::int AS n0')).toBe(first);
  });
});

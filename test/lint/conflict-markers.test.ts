// A merge's conflict markers once landed in the README unseen: no text file of the clone may
// hold one at the start of a line.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

test('no file holds a merge conflict marker', () => {
  let found = '';
  try {
    // -I skips binaries; the markers are assembled so this file does not match itself
    found = execFileSync('git', ['grep', '-n', '-I', '-E', `^(${'<'.repeat(7)}|${'>'.repeat(7)}) `], { cwd: ROOT, encoding: 'utf8' });
  } catch (err) {
    if ((err as { status?: number }).status !== 1) throw err; // 1: nothing found
  }
  expect(found).toBe('');
});

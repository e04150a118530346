import { dropDatabase } from '../../db/pool';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__VSAGA_TEMPORAL__?.stop();
  if (process.env.VSAGA_TEST_DROP_DATABASE) await dropDatabase(process.env.VSAGA_TEST_DROP_DATABASE);
}

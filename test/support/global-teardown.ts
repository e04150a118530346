export default async function globalTeardown(): Promise<void> {
  await globalThis.__VSAGA_TEMPORAL__?.stop();
}

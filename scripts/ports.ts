// Free ports for the stacks the tests, the drill and the bench start. Every one comes from
// below the kernel's ephemeral range (32768+): a part is told its port before it starts, and
// meanwhile the Temporal dev server's own services (and every outgoing connection) take
// ephemeral ports, so a port picked there by listen(0) can be gone when the part binds it
// (CI: the sandbox's EADDRINUSE on 36495 after the dev server came up).
import net from 'node:net';

const SINGLE = { from: 20000, to: 32000 };
const BLOCKS = { from: 12000, to: 20000 };

/** ports this process already handed out: two parts of one stack never get the same */
const handedOut = new Set<number>();

export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** size free consecutive ports; returns the first */
export async function freePortBlock(size = 1, host = '127.0.0.1'): Promise<number> {
  const range = size === 1 ? SINGLE : BLOCKS;
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = range.from + Math.floor(Math.random() * (range.to - range.from - size));
    let ok = true;
    for (let p = base; p < base + size && ok; p++) ok = !handedOut.has(p) && (await portFree(host, p));
    if (!ok) continue;
    for (let p = base; p < base + size; p++) handedOut.add(p);
    return base;
  }
  throw new Error(`no ${size} free consecutive ports found`);
}

export function freePort(): Promise<number> {
  return freePortBlock(1);
}

/** One free port per name, for the parts of one stack. */
export async function freePorts<K extends string>(...names: K[]): Promise<Record<K, number>> {
  const ports = {} as Record<K, number>;
  for (const name of names) ports[name] = await freePort();
  return ports;
}

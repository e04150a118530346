// What the kernel says about a process: CPU seconds (utime + stime of /proc/<pid>/stat, all
// threads), peak resident memory (VmHWM of /proc/<pid>/status), and which process listens on a
// TCP port (/proc/net/tcp{,6} → socket inode → /proc/<pid>/fd), so a bench against `npm start`
// finds its Temporal server, worker and API without being told their pids. Linux only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticks: number | null = null;
/** clock ticks per second (USER_HZ), what /proc/<pid>/stat counts CPU time in */
export function clockTicks(): number {
  if (ticks === null) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds the process has used so far (user + system, every thread), null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) may hold spaces and parentheses: fields restart after the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return (utime + stime) / clockTicks();
}

/** A line of /proc/<pid>/status in bytes (VmHWM: peak RSS, VmRSS: current), null when absent. */
function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export const peakRssBytes = (pid: number) => statusKb(pid, 'VmHWM');
export const rssBytes = (pid: number) => statusKb(pid, 'VmRSS');

/** The pid of the process holding a listening TCP socket on this port (this user's processes only). */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const localPort = parseInt(f[1]!.split(':')[1]!, 16);
      if (localPort === port && f[3] === '0A') inodes.add(f[9]!); // 0A: LISTEN
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

export interface ProcUsage {
  name: string;
  pid: number;
  cpuSec: number;
  peakRssBytes: number | null;
}

/** Every process of this command name (/proc/<pid>/comm): pid → CPU seconds so far. */
function cpuByCommand(command: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== command) continue;
    } catch {
      continue;
    }
    const s = cpuSeconds(Number(entry));
    if (s !== null) out.set(Number(entry), s);
  }
  return out;
}

/**
 * CPU used by each named process between start() and stop(), and its peak RSS at the end; and
 * by all of PostgreSQL's processes together (the product's database, and the full Temporal
 * server's persistence and visibility, run on the machine's one cluster). A backend that exits
 * in between takes its CPU with it, so PostgreSQL's figure is a lower bound; the pools keep
 * their connections, so it is close.
 */
export class CpuMeter {
  private readonly before = new Map<string, number>();
  private postgresBefore = new Map<number, number>();
  constructor(private readonly procs: Record<string, number | null>) {}

  start(): void {
    for (const [name, pid] of Object.entries(this.procs)) {
      const s = pid === null ? null : cpuSeconds(pid);
      if (s !== null) this.before.set(name, s);
    }
    this.postgresBefore = cpuByCommand('postgres');
  }

  stop(): ProcUsage[] {
    const out: ProcUsage[] = [];
    for (const [name, pid] of Object.entries(this.procs)) {
      const b = this.before.get(name);
      const a = pid === null ? null : cpuSeconds(pid);
      if (pid === null || b === undefined || a === null) continue;
      out.push({ name, pid, cpuSec: a - b, peakRssBytes: peakRssBytes(pid) });
    }
    const after = cpuByCommand('postgres');
    if (after.size > 0) {
      let cpuSec = 0;
      for (const [pid, s] of after) cpuSec += s - (this.postgresBefore.get(pid) ?? 0);
      // the postmaster, the oldest of them, names the group
      out.push({ name: 'postgres (all)', pid: Math.min(...after.keys()), cpuSec, peakRssBytes: null });
    }
    return out;
  }
}

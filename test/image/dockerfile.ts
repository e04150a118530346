// Performs a Dockerfile's steps without an engine: each stage gets a scratch folder that stands
// for its filesystem root; COPY takes files from the build context (a clean clone's files less
// .dockerignore) or from an earlier stage's folder; RUN runs in the stage's WORKDIR with its ENV.
// What needs the engine's own root filesystem (system folders, owners, the user) cannot run
// here: the caller names those RUN lines, and the parse refuses a name the Dockerfile lacks,
// so a changed line is never skipped unnoticed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Stage {
  name: string;
  image: string;
  /** the folder standing for this stage's / */
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd: string[] | null;
}

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** One instruction per entry, continuation lines joined, comments and the parser directive dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, ' ');
      // comment lines inside a continued instruction are dropped, as the engine does
      while (i + 1 < lines.length && /^\s*#/.test(lines[i + 1]!)) i++;
      line += lines[++i]!.trim();
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${first}: cannot read "${line}"`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: first });
  }
  return out;
}

/** `.dockerignore` patterns, matched from the context's root as the engine does. */
function ignoreMatcher(patterns: string[]): (file: string) => boolean {
  const rx = patterns.map((p) => {
    const body = p
      .replace(/^\/+|\/+$/g, '')
      .split(/(\*\*|\*|\?)/)
      .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    // a folder's pattern covers everything under it
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (file) => rx.some((r) => r.test(file));
}

/** The build context: what a clean clone holds (tracked and new files), less .dockerignore. */
export function contextFiles(repo: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repo, encoding: 'utf8' }).split('\0').filter(Boolean);
  const ignoreFile = path.join(repo, '.dockerignore');
  const patterns = fs.existsSync(ignoreFile)
    ? fs
        .readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  if (patterns.some((p) => p.startsWith('!'))) throw new Error('.dockerignore exceptions (!) are not supported here');
  const ignored = ignoreMatcher(patterns);
  return listed.filter((f) => !ignored(f) && fs.existsSync(path.join(repo, f)));
}

function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return env;
}

export interface BuildOptions {
  repo: string;
  scratch: string;
  /** RUN lines, exactly as written, that need the engine (root filesystem, owners) */
  engineOnly: string[];
  log?: (line: string) => void;
}

/** Runs every stage; returns them, the last being the image. */
export function buildImage(o: BuildOptions): Stage[] {
  const steps = parseDockerfile(fs.readFileSync(path.join(o.repo, 'Dockerfile'), 'utf8'));
  const runs = steps.filter((s) => s.op === 'RUN').map((s) => s.args);
  for (const e of o.engineOnly) if (!runs.includes(e)) throw new Error(`no RUN "${e}" in the Dockerfile`);
  const context = contextFiles(o.repo);
  const stages: Stage[] = [];
  let cur: Stage | null = null;
  const inStage = (s: Stage, p: string) => path.join(s.root, path.posix.isAbsolute(p) ? p : path.posix.join(s.workdir, p));
  for (const step of steps) {
    o.log?.(`step ${step.line}: ${step.op} ${step.args}`);
    if (step.op === 'FROM') {
      const [image, as, name] = step.args.split(/\s+/);
      const stageName = as?.toUpperCase() === 'AS' && name ? name : String(stages.length);
      const root = path.join(o.scratch, `stage-${stages.length}-${stageName}`);
      fs.mkdirSync(root, { recursive: true });
      cur = { name: stageName, image: image!, root, workdir: '/', env: {}, cmd: null };
      stages.push(cur);
      continue;
    }
    if (!cur) throw new Error(`Dockerfile line ${step.line}: ${step.op} before FROM`);
    switch (step.op) {
      case 'ENV':
        Object.assign(cur.env, parseEnv(step.args));
        break;
      case 'WORKDIR':
        cur.workdir = path.posix.resolve(cur.workdir, step.args);
        fs.mkdirSync(inStage(cur, '.'), { recursive: true });
        break;
      case 'COPY': {
        const words = step.args.split(/\s+/);
        const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
        const dest = words.pop()!;
        const source = from === null ? null : stages.find((s) => s.name === from);
        if (from !== null && !source) throw new Error(`Dockerfile line ${step.line}: no stage ${from}`);
        for (const src of words) {
          if (source) {
            const to = dest.endsWith('/') ? path.join(inStage(cur, dest), path.basename(src)) : inStage(cur, dest);
            fs.cpSync(inStage(source, src), to, { recursive: true });
            continue;
          }
          const rel = path.posix.normalize(src).replace(/^\.\/?/, '');
          const picked = context.filter((f) => rel === '' || f === rel || f.startsWith(`${rel}/`));
          if (picked.length === 0) throw new Error(`Dockerfile line ${step.line}: ${src} is not in the build context`);
          for (const f of picked) {
            // a folder's contents land in dest; a named file lands in dest/ under its name
            const under = rel === '' ? f : f === rel ? path.posix.basename(f) : f.slice(rel.length + 1);
            const to = path.join(inStage(cur, dest), under);
            fs.mkdirSync(path.dirname(to), { recursive: true });
            fs.copyFileSync(path.join(o.repo, f), to);
          }
        }
        break;
      }
      case 'RUN': {
        if (o.engineOnly.includes(step.args)) {
          o.log?.('  (needs the engine: not run here)');
          break;
        }
        // /bin/sh -c, as the engine runs a shell-form RUN
        const r = spawnSync('/bin/sh', ['-c', step.args], {
          cwd: inStage(cur, '.'),
          // a build's environment is the image's, not this shell's (npm test sets npm_config_*)
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...cur.env },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
        if (out) o.log?.(out.split('\n').slice(-15).map((l) => `  ${l}`).join('\n'));
        if (r.status !== 0) throw new Error(`Dockerfile line ${step.line}: RUN ${step.args} failed (${r.status ?? r.signal}):\n${out.slice(-4000)}`);
        break;
      }
      case 'CMD':
        cur.cmd = JSON.parse(step.args) as string[];
        break;
      case 'USER':
      case 'EXPOSE':
      case 'LABEL':
        break;
      default:
        throw new Error(`Dockerfile line ${step.line}: ${step.op} is not handled here`);
    }
  }
  return stages;
}

/** The image's ENV for a process started from its folder: absolute paths into the image are mapped there. */
export function imageEnv(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stage.env).map(([k, v]) => [k, v.startsWith('/') && fs.existsSync(path.join(stage.root, v)) ? path.join(stage.root, v) : v]),
  );
}

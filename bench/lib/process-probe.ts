/**
 * What a process holds, read from inside it: memory (process.memoryUsage), the resources
 * keeping its event loop alive by type (process.getActiveResourcesInfo), its open file
 * descriptors by kind (/proc/self/fd, sockets resolved through /proc/net/*), live instances of
 * chosen classes (v8.queryObjects, after a full GC), and the memory of its child processes.
 * For the soak benchmark: a leak shows as growth in one of these between two quiet moments.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';

export interface MemoryReading {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** RSS split as the kernel counts it (/proc/self/status): anonymous memory (heaps, malloc arenas) vs file-backed pages (the node binary, libraries). */
  rssAnonMb: number | null;
  rssFileMb: number | null;
}

export interface ChildReading {
  pid: number;
  command: string;
  rssMb: number;
}

export interface ProbeReading {
  /** Sessions opened and closed before this reading. */
  sessions: number;
  at: string;
  memory: MemoryReading;
  /** process.getActiveResourcesInfo() counted by type (unref'd handles and timers are not in it). */
  activeResources: Record<string, number>;
  /** Open file descriptors by kind: tcp sockets by peer, unix sockets, pipes, files, anon inodes. */
  fds: Record<string, number>;
  /** Live objects per class (v8.queryObjects): session-scoped classes must be back to 0; unref'd timers show here. */
  objects: Record<string, number>;
  /** Child processes of this one (engine workers): their memory is outside the process's RSS. */
  children: ChildReading[];
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

export function memory(): MemoryReading {
  const m = process.memoryUsage();
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux
  }
  const kb = (field: string): number | null => {
    const v = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return v === undefined ? null : Math.round((Number(v) / 1024) * 10) / 10;
  };
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') };
}

export function activeResources(): Record<string, number> {
  return countBy(process.getActiveResourcesInfo());
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...keys].sort()) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** inode → description of every TCP (v4/v6) and unix socket on the machine. */
function socketTable(ports: Record<number, string>): Map<string, string> {
  const table = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = parseInt(f[1]!.split(':')[1]!, 16);
      const remote = parseInt(f[2]!.split(':')[1]!, 16);
      const listening = f[3] === '0A';
      const inode = f[9]!;
      const name = listening
        ? `tcp listen ${ports[local] ?? local}`
        : ports[remote]
          ? `tcp to ${ports[remote]}`
          : ports[local]
            ? `tcp from clients of ${ports[local]}`
            : 'tcp other';
      table.set(inode, name);
    }
  }
  try {
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length >= 7) table.set(f[6]!, 'unix socket');
    }
  } catch {
    // no unix table: counted as "socket"
  }
  return table;
}

/**
 * Open file descriptors of this process by kind. `ports` names well-known ports (the server's,
 * the database's) so a TCP socket says what it is; `dirs` names folders (path prefix → name) so
 * a file says whose it is. Linux only; elsewhere `{}`.
 */
export function fileDescriptors(ports: Record<number, string> = {}, dirs: Record<string, string> = {}): Record<string, number> {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return {};
  }
  const sockets = socketTable(ports);
  const kinds: string[] = [];
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the directory listing's own descriptor, closed already
    }
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (fd === '0' || fd === '1' || fd === '2') kinds.push('stdio');
    else if (socket) kinds.push(sockets.get(socket[1]!) ?? 'socket');
    else if (target.startsWith('pipe:')) kinds.push('pipe');
    else if (target.startsWith('anon_inode:')) kinds.push(target.replace(/^anon_inode:\[?([^\]]*)\]?$/, 'anon $1'));
    else if (target.startsWith('/dev/')) kinds.push(target);
    else if (target.startsWith('/proc/')) kinds.push('/proc');
    else {
      const dir = Object.keys(dirs).find((d) => target.startsWith(d));
      kinds.push(dir ? `file in ${dirs[dir]}` : 'file');
    }
  }
  return countBy(kinds);
}

/** Live instances (a full GC first) of each class, by name. */
export function liveObjects(classes: Record<string, abstract new (...args: never[]) => unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, ctor] of Object.entries(classes)) out[name] = v8.queryObjects(ctor as unknown as new () => unknown, { format: 'count' }) as unknown as number;
  return out;
}

/** The direct children of this process with their resident memory (Linux; [] elsewhere). */
export function childProcesses(exclude: readonly number[] = []): ChildReading[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const out: ChildReading[] = [];
  for (const p of pids) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      if (ppid !== process.pid || exclude.includes(Number(p))) continue;
      const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const command = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).map((a) => a.split('/').pop()).slice(0, 2).join(' ');
      out.push({ pid: Number(p), command, rssMb: Math.round((rssKb / 1024) * 10) / 10 });
    } catch {
      // exited while we looked
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/**
 * A full GC (needs --expose-gc), several times with pauses so finalizers, weak callbacks and
 * freed pages have run, as a quiet process would be.
 */
export async function collect(rounds = 4, pauseMs = 250): Promise<void> {
  const gc = (globalThis as { gc?: (opts?: { type: 'major'; execution: 'sync' }) => void }).gc;
  if (!gc) throw new Error('global.gc is not exposed: run node with --expose-gc');
  for (let i = 0; i < rounds; i++) {
    gc({ type: 'major', execution: 'sync' });
    await sleep(pauseMs);
  }
}

// CPU time of the database behind a MongoDB URI, read from /proc: the FerretDB process that
// listens on the URI's port and, on its PostgreSQL backend, the PostgreSQL server it points at
// (the postmaster, its live backends and, through the postmaster's cutime/cstime, the backends
// that have exited meanwhile). Linux only, like the local servers.
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface DatabaseProcesses {
  ferretdb: number | null;
  /** The postmaster, when FerretDB runs on PostgreSQL. */
  postgres: number | null;
  backend: 'postgresql' | 'sqlite' | 'unknown';
  /** Count only the client backends of this database (and the server's shared processes). */
  postgresDatabase?: string;
}

export interface CpuSnapshot {
  api: number;
  ferretdb: number;
  postgres: number;
  /** Of `postgres`: the server's shared processes (WAL writer, checkpointer, autovacuum, ...), which work for every client of a shared server. */
  postgresShared: number;
  /** The PostgreSQL processes counted (pid → CPU so far, whether shared): what cpuSince compares when only one database's clients count. */
  processes: Map<number, { cpu: number; shared: boolean }>;
}

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function valueAfter(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function findDatabaseProcesses(mongoUri: string): DatabaseProcesses {
  const port = new URL(mongoUri.replace(/^mongodb:/, 'http:')).port || '27017';
  let ferretdb: number | null = null;
  let pgPort: string | undefined;
  let backend: DatabaseProcesses['backend'] = 'unknown';
  for (const pid of pids()) {
    const argv = argvOf(pid);
    if (!argv[0]?.endsWith('ferretdb') || !valueAfter(argv, '-listen-addr')?.endsWith(`:${port}`)) continue;
    ferretdb = pid;
    const url = valueAfter(argv, '-postgresql-url');
    backend = valueAfter(argv, '-handler') === 'sqlite' || (!url && argv.includes('-data-dir')) ? 'sqlite' : 'postgresql';
    if (url) pgPort = new URL(url).port;
  }
  let postgres: number | null = null;
  if (pgPort) {
    for (const pid of pids()) {
      const argv = argvOf(pid);
      if (argv[0]?.endsWith('/postgres') && valueAfter(argv, '-p') === pgPort) postgres = pid;
    }
  }
  return { ferretdb, postgres, backend };
}

/** [utime + stime, cutime + cstime, ppid] in seconds (the last one a pid), or null once gone. */
function stat(pid: number): [number, number, number] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); ppid is field 4, utime..cstime are fields 14..17
    const n = (field: number) => Number(fields[field - 3]);
    return [(n(14) + n(15)) / CLOCK_TICKS_PER_SECOND, (n(16) + n(17)) / CLOCK_TICKS_PER_SECOND, n(4)];
  } catch {
    return null;
  }
}

/**
 * Whether a child of the postmaster counts: its shared processes (checkpointer, WAL writer,
 * autovacuum, ...) always; a client backend (`postgres: <user> <database> <host> ...`) only
 * when it serves `database`, so other clients of a shared server are not counted.
 */
function countsFor(pid: number, database: string | undefined): 'backend' | 'shared' | false {
  const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  const client = /^postgres: \S+ (\S+) (\S+\(\d+\)|\[local\])/.exec(title);
  if (!client) return 'shared';
  return !database || client[1] === database ? 'backend' : false;
}

export function cpuSnapshot(db: DatabaseProcesses): CpuSnapshot {
  const self = process.cpuUsage();
  let postgres = 0;
  let postgresShared = 0;
  const processes = new Map<number, { cpu: number; shared: boolean }>();
  if (db.postgres !== null) {
    const main = stat(db.postgres);
    // exited backends (cutime) only when every client counts: they may be anyone's
    if (main) {
      postgres += main[0] + (db.postgresDatabase ? 0 : main[1]);
      postgresShared += main[0];
      processes.set(db.postgres, { cpu: main[0], shared: true });
    }
    for (const pid of pids()) {
      const s = stat(pid);
      try {
        const counts = s && s[2] === db.postgres ? countsFor(pid, db.postgresDatabase) : false;
        if (counts) postgres += s![0];
        if (counts === 'shared') postgresShared += s![0];
        if (counts) processes.set(pid, { cpu: s![0], shared: counts === 'shared' });
      } catch {
        // exited meanwhile
      }
    }
  }
  const ferret = db.ferretdb === null ? null : stat(db.ferretdb);
  return { api: (self.user + self.system) / 1e6, ferretdb: ferret ? ferret[0] : 0, postgres, postgresShared, processes };
}

export function cpuSince(before: CpuSnapshot, db: DatabaseProcesses): CpuSnapshot {
  const now = cpuSnapshot(db);
  let postgres = now.postgres - before.postgres;
  let postgresShared = now.postgresShared - before.postgresShared;
  if (db.postgresDatabase) {
    // process by process: one that exited meanwhile (an autovacuum worker, a pool's connection)
    // would take all its CPU out of a difference of sums; this leaves out only its last part
    postgres = 0;
    postgresShared = 0;
    for (const [pid, p] of now.processes) {
      const used = p.cpu - (before.processes.get(pid)?.cpu ?? 0);
      postgres += used;
      if (p.shared) postgresShared += used;
    }
  }
  return { api: now.api - before.api, ferretdb: now.ferretdb - before.ferretdb, postgres, postgresShared, processes: now.processes };
}

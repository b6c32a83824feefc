/**
 * `continuum watch`: the local stand-in for an s3 trigger. Each file that appears in a folder
 * starts a local run of the pipeline whose input names the file as `records`, like the run
 * starter's for an S3 object (lambdas/triggers/start-run.ts). The run is named as the run starter
 * names it (run-name.ts: the folder, the file name and an MD5 of the content standing in for the
 * ETag), so a file announced twice, or written again with the same content, runs once; a file
 * written again with other content is a new run, as a new S3 object version is. The runs queue
 * behind each other in the state machine itself (`onOverlap: queue`): one after another, in
 * arrival order, each failing with RunQueueTimedOut past maxQueueMinutes.
 *
 * Arrivals are events: an initial scan of the folder, then fs.watch, each event rescanning the
 * folder (an event may stand for several files, or name none). Files whose name starts with '.'
 * or ends in `.tmp`, `.part` or `~` are not arrivals yet: write a file under such a name and move
 * it in, so a run never reads half a file.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { s3RunName } from '../../lambdas/triggers/run-name';
import { RECORDS_INPUT_FIELD } from '../config/records-steps';
import type { RunningExecution } from './runner';
import type { LocalSession, SessionRunOptions } from './session';

/** Where arrivals come from: `start` calls `arrived` whenever the folder may hold new files. */
export interface ArrivalSource {
  start(arrived: () => void): void;
  stop(): void;
}

/** fs.watch on the folder: every event is "look again". */
export function fsWatchSource(dir: string): ArrivalSource {
  let watcher: FSWatcher | undefined;
  return {
    start(arrived) {
      watcher = watch(dir, { persistent: true }, () => arrived());
    },
    stop() {
      watcher?.close();
    },
  };
}

/** A file's arrival as the watcher saw it: the run it started, or the earlier run it is a duplicate of. */
export interface Arrival {
  readonly file: string;
  readonly executionName: string;
  readonly duplicate: boolean;
  /** The run this arrival started; absent for a duplicate. */
  readonly run?: RunningExecution;
}

export interface FolderWatchOptions {
  readonly session: LocalSession;
  readonly pipeline: string;
  readonly dir: string;
  /** Only file names ending with this, e.g. `.jsonl`. @default every file */
  readonly suffix?: string;
  /** Options of every run (base URL, shortened waits, progress). */
  readonly run?: Omit<SessionRunOptions, 'input' | 'executionName'>;
  /** Told of each arrival, duplicates included. */
  readonly onArrival?: (arrival: Arrival) => void;
  /** Told when a scan fails (e.g. the folder went away); the watch goes on with the next event. */
  readonly onError?: (error: Error) => void;
  /** @default fs.watch on `dir` */
  readonly source?: ArrivalSource;
}

const NOT_YET = /^\.|\.tmp$|\.part$|~$/;

export class FolderWatch {
  readonly arrivals: Arrival[] = [];
  private readonly dir: string;
  private readonly source: ArrivalSource;
  /** Names started so far: Step Functions keeps execution names unique per state machine. */
  private readonly started = new Set<string>();
  /** Size and mtime of each file last looked at, so an unchanged file is not read again. */
  private readonly looked = new Map<string, string>();
  /** Scans run one after another, so arrivals keep their order. */
  private scanning: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: FolderWatchOptions) {
    this.dir = resolve(options.dir);
    this.source = options.source ?? fsWatchSource(this.dir);
  }

  /** The initial scan, then every event; resolves once the files already there have started. */
  async start(): Promise<void> {
    this.source.start(() => void this.scan());
    await this.scan();
  }

  /** Look at the folder now; resolves when every new file found has started its run. */
  scan(): Promise<void> {
    this.scanning = this.scanning.then(() => this.scanOnce()).catch((error: unknown) => this.options.onError?.(error as Error));
    return this.scanning;
  }

  /**
   * A file announced (found by a scan, or announced again like a duplicate EventBridge delivery):
   * starts its run unless a run of that name started already.
   */
  async announce(file: string): Promise<Arrival> {
    const path = resolve(this.dir, file);
    const etag = createHash('md5').update(await readFile(path)).digest('hex');
    const executionName = s3RunName({ bucket: this.dir, key: basename(path), etag });
    const duplicate = this.started.has(executionName);
    let run: RunningExecution | undefined;
    if (!duplicate) {
      this.started.add(executionName);
      run = this.options.session.start(this.options.pipeline, {
        ...this.options.run,
        executionName,
        input: { trigger: 'file', [RECORDS_INPUT_FIELD]: path, etag },
      });
    }
    const arrival: Arrival = { file: path, executionName, duplicate, ...(run ? { run } : {}) };
    this.arrivals.push(arrival);
    this.options.onArrival?.(arrival);
    return arrival;
  }

  /** Every run started so far, once ended. */
  async settled(): Promise<void> {
    await this.scanning;
    await Promise.all(this.arrivals.map((a) => a.run?.done));
  }

  stop(): void {
    this.stopped = true;
    this.source.stop();
  }

  private async scanOnce(): Promise<void> {
    if (this.stopped) return;
    const names = (await readdir(this.dir)).filter((name) => !NOT_YET.test(name) && (!this.options.suffix || name.endsWith(this.options.suffix)));
    const fresh: Array<{ name: string; mtimeMs: number }> = [];
    for (const name of names) {
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (!info?.isFile()) continue;
      const seen = `${info.size}:${info.mtimeMs}`;
      if (this.looked.get(name) === seen) continue;
      this.looked.set(name, seen);
      fresh.push({ name, mtimeMs: info.mtimeMs });
    }
    // Arrival order: oldest first, by name within the same instant.
    fresh.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    for (const { name } of fresh) if (!this.stopped) await this.announce(name);
  }
}

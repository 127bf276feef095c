// Raw feed recorder in hftbacktest's format: one line per inbound frame, `<local receive ns> <raw json>`,
// gzip, one file per UTC day (`<dir>/<prefix>_YYYYMMDD.gz`). record() only appends to an in-memory buffer;
// a timer compresses and writes it, so the frame handler never waits for I/O. Reopening a day's file appends
// a new gzip member (concatenated members are valid gzip and read back as one stream).
import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

const NS_PER_DAY = 86_400_000_000_000n;

/**
 * A nanosecond wall clock: epoch anchored once from Date.now(), advanced by the monotonic hrtime, so
 * successive readings never go backwards and keep sub-millisecond resolution.
 */
export function epochNsClock(): () => bigint {
  const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => process.hrtime.bigint() + offset;
}

/** `YYYYMMDD` of the UTC day containing the given epoch nanoseconds. */
export function utcDayOf(ns: bigint): string {
  const d = new Date(Number((ns / NS_PER_DAY) * 86_400_000n));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

export interface RecorderOptions {
  dir: string;
  /** File name prefix; files are `<prefix>_YYYYMMDD.gz`. */
  prefix?: string;
  flushIntervalMs?: number;
  /** Buffered bytes beyond which new frames are dropped (and counted) rather than exhausting memory. */
  maxBufferedBytes?: number;
  onError?: (err: Error) => void;
}

export interface RecorderStats {
  frames: number;
  /** Frames that are not JSON (the venue's greeting "Websocket connection established."), not recorded. */
  skippedNonJson: number;
  dropped: number;
  files: string[];
}

interface DayFile {
  day: string;
  path: string;
  gzip: Gzip;
  out: WriteStream;
  done: Promise<void>;
}

export class FeedRecorder {
  private pendingNs: bigint[] = [];
  private pendingRaw: string[] = [];
  private pendingBytes = 0;
  private current: DayFile | undefined;
  private readonly closing: Promise<void>[] = [];
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly dir: string;
  private readonly prefix: string;
  private readonly maxBufferedBytes: number;
  private readonly onError: (err: Error) => void;
  readonly stats: RecorderStats = { frames: 0, skippedNonJson: 0, dropped: 0, files: [] };

  /** Opens today's file at once so an unwritable directory fails at startup (incident #2), not later. */
  constructor(options: RecorderOptions, nowNs: bigint = epochNsClock()()) {
    this.dir = options.dir;
    this.prefix = options.prefix ?? 'hyperliquid';
    this.maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024 * 1024;
    this.onError = options.onError ?? ((err) => process.stderr.write(`hip3 recorder: ${err.message}\n`));
    mkdirSync(this.dir, { recursive: true });
    this.current = this.open(utcDayOf(nowNs));
    this.timer = setInterval(() => this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Hot path: remember the frame. No I/O, no formatting. */
  record(raw: string, recvNs: bigint): void {
    if (this.closed) return;
    // The format is `<recv_ns> <raw json>`: a frame that is not a JSON object or array (the venue greets each
    // connection with plain text) would break every reader of the file. One character code, no parsing.
    const c = raw.charCodeAt(0);
    if (c !== 123 /* { */ && c !== 91 /* [ */) {
      this.stats.skippedNonJson++;
      return;
    }
    if (this.pendingBytes > this.maxBufferedBytes) {
      this.stats.dropped++;
      return;
    }
    this.pendingNs.push(recvNs);
    this.pendingRaw.push(raw);
    this.pendingBytes += raw.length + 21;
    this.stats.frames++;
  }

  /** Compresses and writes what is buffered, switching file at each UTC midnight. */
  flush(): void {
    const n = this.pendingRaw.length;
    if (n === 0) return;
    const nsList = this.pendingNs;
    const rawList = this.pendingRaw;
    this.pendingNs = [];
    this.pendingRaw = [];
    this.pendingBytes = 0;
    let chunk = '';
    for (let i = 0; i < n; i++) {
      const ns = nsList[i];
      const day = utcDayOf(ns);
      if (this.current === undefined || day !== this.current.day) {
        if (chunk) this.current?.gzip.write(chunk);
        chunk = '';
        this.rotate(day);
      }
      chunk += `${ns} ${rawList[i].replace(/\n/g, ' ')}\n`;
    }
    if (chunk) this.current?.gzip.write(chunk);
  }

  private rotate(day: string): void {
    if (this.current) {
      this.current.gzip.end();
      this.closing.push(this.current.done);
    }
    this.current = this.open(day);
  }

  private open(day: string): DayFile {
    const path = join(this.dir, `${this.prefix}_${day}.gz`);
    const fd = openSync(path, 'a');
    let out: WriteStream;
    try {
      out = createWriteStream('', { fd, flags: 'a' });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    const gzip = createGzip();
    gzip.pipe(out);
    const done = new Promise<void>((resolve) => {
      const fail = (err: Error) => {
        this.onError(err);
        resolve();
      };
      gzip.on('error', fail);
      out.on('error', fail);
      out.on('close', () => resolve());
    });
    if (!this.stats.files.includes(path)) this.stats.files.push(path);
    return { day, path, gzip, out, done };
  }

  /** Writes everything buffered, ends the gzip streams and waits until the files are closed. Idempotent. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.flush();
      this.closed = true;
      clearInterval(this.timer);
      if (this.current) {
        this.current.gzip.end();
        this.closing.push(this.current.done);
        this.current = undefined;
      }
    }
    await Promise.all(this.closing);
  }
}

export interface RecordedFrame {
  recvNs: bigint;
  raw: string;
}

/** Parses the text of a recorded (or hftbacktest-collected) feed file, already decompressed. */
export function parseFeedText(text: string): RecordedFrame[] {
  const frames: RecordedFrame[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const space = line.indexOf(' ');
    if (space <= 0) throw new Error(`feed line without "<ns> <json>": ${line.slice(0, 80)}`);
    frames.push({ recvNs: BigInt(line.slice(0, space)), raw: line.slice(space + 1) });
  }
  return frames;
}

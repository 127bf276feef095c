// Per-signer nonces (protocol doc §6.3): strictly increasing, unique, ≈ wall-clock ms — `max(now, last + 1)` —
// and never reused across restarts, even when the clock stepped back in between.
//
// Restart safety: the source persists a high-water mark H through a NonceStore and only issues nonces ≤ H;
// a new run starts above max(now, H). Persisting per nonce would put a disk write on the hot path, so the
// source reserves ahead: it writes H = n + reserveMs (default 10 s) when n gets within reserveMs/2 of H,
// i.e. about one write every 5 s of wall-clock time, never one per nonce.
//
// Crash safety (the file store, src/store/nonce-file.ts, keeps the protocol layer free of I/O): it writes H with one fixed-width pwrite at offset 0 (visible to the next run
// after a process crash as soon as it returns, and never torn: 21 bytes in one sector), then makes it
// durable against power loss with an fdatasync in the background. Invariant after next() returns n: the
// last *synced* H ≥ n. That holds because the write happens reserveMs/2 before the previous reservation
// runs out; only if nonces outrun that (a forward clock jump) does next() sync before returning.
// Single-threaded: all callers in one process (any number of concurrent async tasks) share one instance per
// signer; do not share a signer between worker threads or processes (the venue docs: one API wallet per process).
import { ProtocolError } from './errors.ts';

export class NonceError extends ProtocolError {
  constructor(message: string) {
    super('nonce_store', message);
    this.name = 'NonceError';
  }
}

/** Where a NonceSource keeps its high-water mark. */
export interface NonceStore {
  /** The persisted high-water mark, or undefined if none was ever written. Throws if unreadable/corrupt. */
  load(): number | undefined;
  /** Replaces the high-water mark; once it returns, a process crash must not lose it. */
  write(value: number): void;
  /** Makes the last write durable against power loss, synchronously. */
  syncNow(): void;
  /** Same in the background; resolves when the writes made before the call are durable. */
  sync(): Promise<void>;
  close(): void;
}

export interface NonceSourceOptions {
  /** Wall clock in ms (injectable for tests); default Date.now. */
  now?: () => number;
  /** Persistence of the high-water mark; without it nonces are only unique within this process. */
  store?: NonceStore;
  /** How far ahead of the issued nonces the high-water mark is reserved (ms); default 10 000. */
  reserveMs?: number;
}

export class NonceSource {
  private readonly now: () => number;
  private readonly store: NonceStore | undefined;
  private readonly reserveMs: number;
  private lastIssued: number;
  /** Persisted (written) high-water mark. */
  private reserved = 0;
  /** High-water mark known to be synced to stable storage. */
  private durable = 0;
  private pendingSync: Promise<void> | undefined;
  private syncError: unknown;
  private closed = false;

  constructor(options: NonceSourceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.store = options.store;
    this.reserveMs = options.reserveMs ?? 10_000;
    if (!Number.isSafeInteger(this.reserveMs) || this.reserveMs < 2) throw new NonceError('reserveMs must be an integer ≥ 2');
    const now = this.clock();
    const persisted = this.store?.load() ?? 0;
    // The first nonce is max(now, persisted + 1): above everything a previous run could have issued.
    this.lastIssued = Math.max(now - 1, persisted);
    if (this.store !== undefined) {
      this.reserved = this.durable = persisted;
      this.extend(this.lastIssued + 1);
    }
  }

  /** The next nonce: max(now, last + 1). Synchronous; writes to the store at most once per reserveMs/2. */
  next(): number {
    if (this.closed) throw new NonceError('nonce source is closed');
    const now = this.clock();
    const n = now > this.lastIssued ? now : this.lastIssued + 1;
    if (this.store !== undefined && (n > this.reserved - (this.reserveMs >> 1) || n > this.durable)) this.extend(n);
    this.lastIssued = n;
    return n;
  }

  /** The last nonce issued (or the floor below the first one). */
  get last(): number {
    return this.lastIssued;
  }

  /** Waits for a background sync, then closes the store. The source cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pendingSync;
    this.store?.close();
  }

  private clock(): number {
    const t = this.now();
    if (!Number.isSafeInteger(t) || t < 0) throw new NonceError(`clock returned ${t}, not a non-negative integer ms`);
    return t;
  }

  /**
   * Reserves up to n + reserveMs when n is within reserveMs/2 of the mark, and guarantees a synced mark ≥ n
   * before returning: synchronously only when n outran the last completed sync (a burst or a clock jump).
   */
  private extend(n: number): void {
    const store = this.store!;
    let wrote = false;
    if (n > this.reserved - (this.reserveMs >> 1)) {
      const target = n + this.reserveMs;
      store.write(target);
      this.reserved = target;
      wrote = true;
    }
    if (n > this.durable || this.syncError !== undefined) {
      store.syncNow();
      this.durable = this.reserved;
      this.syncError = undefined;
    } else if (wrote && this.pendingSync === undefined) {
      this.startBackgroundSync();
    }
  }

  private startBackgroundSync(): void {
    const target = this.reserved;
    this.pendingSync = this.store!.sync().then(
      () => {
        this.pendingSync = undefined;
        if (target > this.durable) this.durable = target;
        // Writes made while this sync ran are covered by the next one.
        if (this.reserved > this.durable && !this.closed) this.startBackgroundSync();
      },
      (err: unknown) => {
        // Remembered so that the next extension syncs synchronously (and throws if the disk is still failing).
        this.pendingSync = undefined;
        this.syncError = err;
      },
    );
  }
}

// Timers for the market agents. Everything in src/sim/market runs on a Scheduler so that tests can drive
// the market deterministically with VirtualScheduler and the server can run it on the wall clock.

/** Opaque handle returned by Scheduler.setTimeout. */
export interface TimerHandle {
  readonly timerId: number;
}

export interface Scheduler {
  /** Venue time in ms since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

interface VirtualTimer extends TimerHandle {
  readonly timerId: number;
  readonly due: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Deterministic scheduler for tests: time only moves in advance(); due timers run in (due time, creation
 * order). A timer created while advancing that falls inside the window also runs in the same advance().
 */
export class VirtualScheduler implements Scheduler {
  #now: number;
  #nextId = 1;
  #heap: VirtualTimer[] = [];
  #live = 0;

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { timerId: this.#nextId++, due: this.#now + delay, fn, cancelled: false };
    heapPush(this.#heap, timer);
    this.#live++;
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    if (!timer.cancelled) {
      timer.cancelled = true;
      this.#live--;
    }
  }

  /** Timers scheduled and not yet run or cancelled. */
  pendingTimers(): number {
    return this.#live;
  }

  /** Runs every timer due within (now, now + ms], in order, then sets now = now + ms. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance(${ms}): must be >= 0`);
    this.advanceTo(this.#now + ms);
  }

  advanceTo(target: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.due <= target) {
      const timer = heapPop(heap)!;
      if (timer.cancelled) continue;
      timer.cancelled = true; // a handle of a timer that has run cannot be cleared twice
      this.#live--;
      if (timer.due > this.#now) this.#now = timer.due;
      timer.fn();
    }
    if (target > this.#now) this.#now = target;
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.timerId < b.timerId);
}

function heapPush(heap: VirtualTimer[], t: VirtualTimer): void {
  heap.push(t);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapPop(heap: VirtualTimer[]): VirtualTimer | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || last === undefined) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
    if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
  return top;
}

interface RealTimer extends TimerHandle {
  readonly timerId: number;
  node: ReturnType<typeof setTimeout> | undefined;
}

/** Wall clock and node timers (used by the server). */
export function realTimeScheduler(): Scheduler {
  let nextId = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn: () => void, ms: number): TimerHandle {
      const timer: RealTimer = { timerId: nextId++, node: undefined };
      timer.node = setTimeout(() => {
        timer.node = undefined;
        fn();
      }, Math.max(0, ms));
      return timer;
    },
    clearTimeout(handle: TimerHandle): void {
      const timer = handle as RealTimer;
      if (timer.node !== undefined) {
        clearTimeout(timer.node);
        timer.node = undefined;
      }
    },
  };
}

// One oracle jump is one opportunity, however many book updates re-announce it. The core re-evaluates a
// dislocation on every frame, so right after an entry the same dislocation signals again and is refused by
// HasPosition (a demo had 36 such rows ~46 ms after their entries, with 86 follow-ups). Those re-announcements
// are tagged with the signal they repeat, get no follow-ups, and are counted apart from the opportunities.

interface Seen {
  oracleSeq: number;
  id: string;
  entered: boolean;
}

export class SignalDeduper {
  private readonly last = new Map<string, Seen>();
  private readonly entered = new Map<string, string>();

  /**
   * The id of the signal this one repeats (same market and side, same oracle update; or refused by HasPosition
   * while an entered signal's position on that market and side is open), else undefined. Registers the signal.
   */
  classify(s: { market: string; side: string; oracleSeq: number; id: string; entered: boolean; reason?: string }): string | undefined {
    const key = `${s.market}|${s.side}`;
    const prev = this.last.get(key);
    let duplicateOf: string | undefined;
    if (prev !== undefined && prev.oracleSeq === s.oracleSeq && !(s.entered && !prev.entered)) duplicateOf = prev.id;
    else if (s.reason === 'HasPosition') duplicateOf = this.entered.get(key);
    if (duplicateOf !== undefined) return duplicateOf;
    this.last.set(key, { oracleSeq: s.oracleSeq, id: s.id, entered: s.entered });
    if (s.entered) this.entered.set(key, s.id);
    return undefined;
  }

  /** The position opened by an entered signal on this market is closed: a later HasPosition is news again. */
  positionClosed(market: string): void {
    for (const key of [`${market}|buy`, `${market}|sell`]) this.entered.delete(key);
  }
}

// Exact fixed-point numbers of the exchange. Prices are integers in units of 10^-(6 − szDecimals) ("price
// units") and sizes integers in units of 10^-szDecimals ("lots"), so price × size is an integer number of
// micro-USDC: a valid perp price has at most 6 − szDecimals decimals and a valid size at most szDecimals.
// Money is kept in integer micro-USDC. Everything here is exact; floats appear only in display values
// derived from the mark price.

const POW10: number[] = [];
for (let i = 0; i <= 15; i++) POW10.push(10 ** i);

/** 10^n for 0 ≤ n ≤ 15. */
export function pow10(n: number): number {
  return POW10[n];
}

/**
 * Parses a plain unsigned decimal string ("12.5", "100", "0.0010") into an integer scaled by 10^decimals.
 * Returns undefined when malformed, when it has more than `decimals` significant decimals, or when the
 * result would not be a safe integer.
 */
export function parseScaled(s: string, decimals: number): number | undefined {
  const n = s.length;
  if (n === 0 || n > 40) return undefined;
  let value = 0;
  let i = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
    digits++;
  }
  if (digits === 0) return undefined;
  let frac = 0;
  if (i < n) {
    i++; // '.'
    if (i === n) return undefined;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      if (frac < decimals) {
        value = value * 10 + (c - 48);
        frac++;
      } else if (c !== 48) {
        return undefined; // a non-zero digit beyond the allowed decimals
      }
    }
  }
  value *= POW10[decimals - frac];
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Renders an integer scaled by 10^decimals in the venue's output style: shortest decimal, but always with
 * at least one fractional digit ("100.0", "0.02", "-3.5", "0.0"), as in every real frame and info reply
 * (fixtures: "px":"66653.0", "closedPnl":"0.0", "startPosition":"-0.0213").
 */
export function formatScaled(value: number, decimals: number): string {
  const neg = value < 0;
  let v = neg ? -value : value;
  if (decimals === 0) return (neg ? '-' : '') + v + '.0';
  const scale = POW10[decimals];
  const intPart = Math.floor(v / scale);
  let frac = v - intPart * scale;
  if (frac === 0) return (neg ? '-' : '') + intPart + '.0';
  let fd = decimals;
  while (frac % 10 === 0) {
    frac /= 10;
    fd--;
  }
  v = frac;
  let fracStr = String(v);
  while (fracStr.length < fd) fracStr = '0' + fracStr;
  return (neg ? '-' : '') + intPart + '.' + fracStr;
}

/** micro-USDC integer → venue decimal string ("51.64387", "0.0"). */
export function formatMicro(micro: number): string {
  return formatScaled(micro, 6);
}

/** micro-USDC bigint → venue decimal string. */
export function formatMicroBig(micro: bigint): string {
  if (micro >= -9007199254740991n && micro <= 9007199254740991n) return formatScaled(Number(micro), 6);
  const neg = micro < 0n;
  const v = neg ? -micro : micro;
  const intPart = v / 1000000n;
  let frac = (v % 1000000n).toString().padStart(6, '0').replace(/0+$/, '');
  if (frac === '') frac = '0';
  return `${neg ? '-' : ''}${intPart}.${frac}`;
}

/**
 * A display number (float, e.g. derived from the mark price) as a venue decimal string with at most
 * `maxDecimals` decimals, never in exponent form, always with a fractional digit.
 */
export function formatFloat(x: number, maxDecimals: number): string {
  if (!Number.isFinite(x)) return '0.0';
  let s = x.toFixed(maxDecimals);
  if (s.indexOf('.') >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    s = s.slice(0, end);
    if (s.endsWith('.')) s += '0';
  } else {
    s += '.0';
  }
  if (s === '-0.0') return '0.0';
  return s;
}

/** Rounds a positive float price to the nearest valid perp price in price units (5 significant figures). */
export function roundPriceUnits(px: number, szDecimals: number): number {
  const pxDecimals = 6 - szDecimals;
  if (!(px > 0) || !Number.isFinite(px)) return 0;
  // place of the first significant digit
  const lead = Math.floor(Math.log10(px));
  const tickExp = Math.min(0, Math.max(lead - 4, -pxDecimals)); // grid 10^tickExp
  const unitsPerTick = POW10[tickExp + pxDecimals];
  const ticks = Math.round(px / 10 ** tickExp);
  let units = ticks * unitsPerTick;
  // log10 rounding can be off by one at powers of ten: re-check the significant figures
  const asPx = units / POW10[pxDecimals];
  if (Math.floor(Math.log10(asPx)) !== lead && tickExp < 0) {
    const t2 = Math.min(0, Math.max(Math.floor(Math.log10(asPx)) - 4, -pxDecimals));
    units = Math.round(px / 10 ** t2) * POW10[t2 + pxDecimals];
  }
  return units;
}

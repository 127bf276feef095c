// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints the figures and
// writes bench/results.json with the machine, the Node version and the date.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchRecorder, type Figure, summarise } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const figures: Figure[] = [];
const notes: string[] = [];
const recorder: BenchRecorder = {
  latency(name, unit, samples) {
    const fig = summarise(name, unit, samples);
    figures.push(fig);
    console.log(`${name.padEnd(36)} p50 ${fig.p50} ${unit}  p99 ${fig.p99} ${unit}  max ${fig.max} ${unit}  n ${fig.n}`);
    return fig;
  },
  throughput(name, unit, value) {
    // Large rates as integers; small values (ratios, counts per event) keep two decimals.
    const fig = { name, unit, value: Math.abs(value) >= 1000 ? Math.round(value) : Math.round(value * 100) / 100 };
    figures.push(fig);
    console.log(`${name.padEnd(36)} ${fig.value} ${unit}`);
    return fig;
  },
  note(text) {
    notes.push(text);
    console.log(`  note: ${text}`);
  },
};

for (const f of files) {
  console.log(`# ${f}`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: (r: BenchRecorder) => Promise<void> };
  await mod.default(recorder);
}

// A partial run (`npm run bench -- sign`) keeps the figures of the benchmarks it did not run.
const resultsPath = join(here, 'results.json');
if (only.length > 0 && existsSync(resultsPath)) {
  const previous = JSON.parse(readFileSync(resultsPath, 'utf8')) as { figures?: Figure[] };
  const fresh = new Set(figures.map((f) => f.name));
  for (const f of previous.figures ?? []) if (!fresh.has(f.name)) figures.push(f);
}

const cpus = os.cpus();
const results = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { platform: process.platform, arch: process.arch, cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
  figures,
  notes,
};
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote bench/results.json (${figures.length} figures)`);

// Child process for journal.test.ts: writes rows, flushes some, queues more, then dies by SIGKILL
// (no close, no exit handlers: what a crash looks like).
import { Journal } from '../../src/store/journal.ts';
import { sampleFill, sampleSignal } from './samples.ts';

const [path, flushedCount, pendingCount] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const journal = new Journal({ path, flushIntervalMs: 60_000, flushBatchSize: 1_000_000 });
for (let i = 0; i < flushedCount; i++) {
  journal.recordSignal(sampleSignal(i));
  journal.recordFill(sampleFill(i));
}
journal.flush();
for (let i = flushedCount; i < flushedCount + pendingCount; i++) journal.recordSignal(sampleSignal(i));
process.stdout.write('flushed\n', () => process.kill(process.pid, 'SIGKILL'));

#!/usr/bin/env node
// Entry point of the `hip3` command. The sources are TypeScript run directly by Node 24 (type stripping).
import { main } from '../src/app/cli.ts';

main(process.argv).catch((err) => {
  process.stderr.write(`hip3: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

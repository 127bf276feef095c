#!/usr/bin/env node
// Entry point of the `hip3` command. The sources are TypeScript run directly by Node ≥ 24 (type stripping).
// `npm start` and `npx hip3` already run on the Node pinned by the `node` devDependency; when an older Node
// runs this file directly (`node bin/hip3.js` with the system Node), re-run it on the pinned one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write(`hip3 needs Node.js 24 or newer (this is ${process.version}); run \`npm ci\` first to install the pinned Node, then \`npx hip3 …\`.\n`);
    process.exit(1);
  }
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl+C reaches the whole process group; SIGTERM sent to this process alone is passed on.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
} else {
  const { main } = await import('../src/app/cli.ts');
  main(process.argv).catch((err) => {
    process.stderr.write(`hip3: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

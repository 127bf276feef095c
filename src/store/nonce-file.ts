// The file-backed NonceStore: the high-water mark of a signer's nonces (src/protocol/nonce.ts explains the
// reservation scheme and why one fixed-width pwrite plus a background fdatasync is crash-safe). It lives in
// the store layer because the protocol layer does no I/O.
import { closeSync, constants, fdatasync, fdatasyncSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { NonceError, NonceSource, type NonceSourceOptions, type NonceStore } from '../protocol/nonce.ts';

const WIDTH = 20; // digits: enough for any safe integer

/**
 * A NonceStore in a small file holding the high-water mark as 20 zero-padded digits and a newline. Creates
 * the file (mode 0600) and syncs its directory entry if it does not exist.
 */
export function openFileNonceStore(path: string): NonceStore {
  let created = false;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    fd = openSync(path, constants.O_RDWR);
  }
  if (created) {
    const dirFd = openSync(dirname(path), constants.O_RDONLY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
  const out = Buffer.alloc(WIDTH + 1);
  return {
    load(): number | undefined {
      const buf = Buffer.alloc(64);
      const len = readSync(fd, buf, 0, buf.length, 0);
      const text = buf.toString('latin1', 0, len).trim();
      if (text === '') return undefined;
      if (len > WIDTH + 1 || !/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new NonceError(`nonce file ${path} is corrupt; refusing to guess a safe nonce`);
      }
      return Number(text);
    },
    write(value: number): void {
      out.write(String(value).padStart(WIDTH, '0'), 0, 'latin1');
      out[WIDTH] = 0x0a;
      if (writeSync(fd, out, 0, out.length, 0) !== out.length) throw new NonceError(`short write to ${path}`);
    },
    syncNow(): void {
      fdatasyncSync(fd);
    },
    sync(): Promise<void> {
      return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    },
    close(): void {
      closeSync(fd);
    },
  };
}

/** A NonceSource persisting to `path` (the usual way for a signer). */
export function openNonceSource(path: string, options: Omit<NonceSourceOptions, 'store'> = {}): NonceSource {
  return new NonceSource({ ...options, store: openFileNonceStore(path) });
}

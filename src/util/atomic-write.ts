/**
 * Reports and snapshots are written atomically (temp file in the same
 * directory, every byte, fsync, rename), so a crash, Ctrl-C or a full disk
 * never leaves half a file behind.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, unlinkSync } from 'node:fs';
import { constants, type FileHandle, open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * `file` exists (through symlinks) and is neither a regular file nor a
 * directory: a pipe (`>(gzip > r.gz)`), a device (`/dev/null`, `/dev/stdout`
 * on a terminal), a socket. Such a destination is written in place: a temp
 * file renamed over it would replace the device or the pipe a reader waits on
 * with a regular file (as root, `-o /dev/null` deleted /dev/null).
 */
export async function isSpecialFile(file: string): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

/**
 * Open a special file for writing as it is: no O_CREAT (should it vanish
 * meanwhile, no regular file takes its place), no temp file, no rename.
 */
export function openInPlace(file: string): Promise<FileHandle> {
  return open(file, constants.O_WRONLY | constants.O_NOCTTY);
}

/**
 * `content` to `file` as writeChunksAtomic writes a report: through a symlink,
 * a special file in place, the mode and owner kept, temp files removed at exit.
 * write-file-atomic wrote the temp file with one write(2) and never checked
 * its count: on a nearly full disk `collect -o` renamed a truncated snapshot
 * over the good one and exited 0.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await writeChunksAtomic(file, [content]);
}

/** Temp files being written; removed if the process exits before their rename (e.g. Ctrl-C). */
const pending = new Set<string>();
let exitHook = false;

function removePendingAtExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const tmp of pending) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
  });
}

/** about 1 MB of UTF-8 per write call */
export const WRITE_BATCH = 1 << 20;

/**
 * Text pieces as UTF-8 batches of at most about `size` bytes, each piece
 * encoded straight into the batch's buffer. No string of a whole batch is
 * ever made: a string over 128 KB is born in V8's large-object space and
 * lives there, garbage or not, until the next full collection, so joining
 * 120 MB of report into 1 MB strings raised the heap by as much before V8
 * collected it. The buffers are off the heap and go with their small
 * wrappers at the next scavenge.
 *
 * With `reuse`, every batch is a view of one buffer, valid only until the
 * consumer asks for the next one (a file written with `await` in between);
 * without it each batch has a buffer of its own (a stream may keep it queued);
 * as a function, it is asked each time the next batch is wanted.
 */
export function* utf8Batches(
  chunks: Iterable<string>,
  { size = WRITE_BATCH, reuse = false }: { size?: number; reuse?: boolean | (() => boolean) } = {},
): Generator<Buffer> {
  let buf = Buffer.allocUnsafeSlow(size);
  let used = 0;
  const flush = function* (): Generator<Buffer> {
    if (used === 0) return;
    yield buf.subarray(0, used);
    // asked when the consumer wants the next batch, so it can say whether it still holds this one
    if (!(typeof reuse === 'function' ? reuse() : reuse)) buf = Buffer.allocUnsafeSlow(size);
    used = 0;
  };
  for (const chunk of chunks) {
    // a UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair 4 for 2 units)
    const most = chunk.length * 3;
    if (most > size - used) yield* flush();
    if (most > size) {
      yield Buffer.from(chunk, 'utf8');
      continue;
    }
    used += buf.write(chunk, used, 'utf8');
  }
  yield* flush();
}

/**
 * Every byte of `bytes` at the file's current position: a pipe, or a disk
 * nearly full, may take fewer per call (and only the next call fails, ENOSPC).
 */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    done += (await fh.write(bytes, done)).bytesWritten;
  }
}

/**
 * Write text pieces to `file` atomically, as they come: a temp file in the same
 * directory, every byte written, fsync, rename, so a large report is never one
 * string in memory, and an interrupted run or a full disk leaves no partial
 * file. An existing file's permissions and owner are kept. A pipe or a device
 * (`/dev/stdout`, `/dev/null`, `>(gzip > r.gz)`) is written in place instead:
 * renamed over, it would become a regular file.
 */
export async function writeChunksAtomic(
  file: string,
  chunks: Iterable<string> | AsyncIterable<Uint8Array>,
): Promise<void> {
  // decided on the path as given: /dev/stdout's real path may be "pipe:[…]", no path at all
  if (await isSpecialFile(file)) {
    const fh = await openInPlace(file);
    try {
      if (Symbol.asyncIterator in chunks) {
        for await (const piece of chunks) await writeAll(fh, piece);
      } else {
        for (const bytes of utf8Batches(chunks, { reuse: true })) await writeAll(fh, bytes);
      }
    } finally {
      await fh.close();
    }
    return;
  }
  // through a symlink to the file it names, as write-file-atomic does
  const abs = await realpath(resolve(file)).catch(() => resolve(file));
  const tmp = join(
    dirname(abs),
    `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  removePendingAtExit();
  pending.add(tmp);
  let fh: FileHandle | undefined;
  try {
    const old = await stat(abs).catch(() => undefined);
    const mode = old && old.mode & 0o7777;
    // made here, synchronously: a file made by the thread pool could appear after Ctrl-C's
    // exit hook has looked for it, and stay; opening what exists cannot make one
    closeSync(openSync(tmp, 'wx', mode ?? 0o666));
    fh = await open(tmp, 'r+');
    if (old && mode !== undefined) {
      await fh.chmod(mode);
      // and its owner, as write-file-atomic kept it (root rewriting a user's snapshot); only
      // root may give a file away: anyone else's chown fails and the file is theirs, as before
      await fh.chown(old.uid, old.gid).catch(() => {});
    }
    if (Symbol.asyncIterator in chunks) {
      // bytes made elsewhere (a format worker), already in pieces of about WRITE_BATCH
      for await (const piece of chunks) await writeAll(fh, piece);
    } else {
      for (const bytes of utf8Batches(chunks, { reuse: true })) await writeAll(fh, bytes);
    }
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, abs);
    pending.delete(tmp);
  } catch (err) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    pending.delete(tmp);
    throw err;
  }
}

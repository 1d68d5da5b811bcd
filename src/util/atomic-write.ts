/**
 * Reports and snapshots are written atomically (temp file in the same
 * directory, every byte, fsync, rename), so a crash, Ctrl-C or a full disk
 * never leaves half a file behind.
 */
import { constants, type FileHandle, open, stat } from 'node:fs/promises';

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
  // loaded on use: report/write.js imports this module
  const { writeChunksAtomic } = await import('../report/write.js');
  await writeChunksAtomic(file, [content]);
}

/**
 * Reports and snapshots are written atomically (temp file in the same
 * directory, fsync, rename) by write-file-atomic, so a crash or Ctrl-C never
 * leaves half a file behind.
 */
import { constants, type FileHandle, open, stat } from 'node:fs/promises';
import writeFileAtomicImpl from 'write-file-atomic';

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

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  if (await isSpecialFile(file)) {
    const fh = await openInPlace(file);
    try {
      await fh.writeFile(content, 'utf8');
    } finally {
      await fh.close();
    }
    return;
  }
  await writeFileAtomicImpl(file, content, { encoding: 'utf8' });
}

/**
 * Reports and snapshots are written atomically (temp file in the same
 * directory, fsync, rename) by write-file-atomic, so a crash or Ctrl-C never
 * leaves half a file behind.
 */
import writeFileAtomicImpl from 'write-file-atomic';

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await writeFileAtomicImpl(file, content, { encoding: 'utf8' });
}

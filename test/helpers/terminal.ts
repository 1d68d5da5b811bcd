import { Writable } from 'node:stream';
import type { CliIo } from '../../src/cli/io.js';

/** a CLI io whose stdout and stderr are one fake stream (a terminal when `isTTY`), and what it got */
export function fakeTty(isTTY: boolean, columns = 100): { io: CliIo; text: () => string } {
  let out = '';
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stderr, { isTTY, columns });
  const io = { stdout: stderr, stderr, env: {} } as unknown as CliIo;
  return { io, text: () => out };
}

/**
 * What a terminal shows after some output: a tiny screen model that knows
 * carriage return, line feed and "erase line" (ESC [ K, ESC [ 2K), and drops
 * colour codes. Enough to tell a log line that survived from a progress bar
 * fragment left behind.
 */
export function screenLines(output: string): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what it parses
  const tokens = output.match(/\u001b\[[0-9;?]*[A-Za-z]|\r|\n|[^\u001b\r\n]/gu) ?? [];
  for (const t of tokens) {
    if (t === '\r') col = 0;
    else if (t === '\n') {
      lines.push(line.join('').trimEnd());
      line = [];
      col = 0;
    } else if (t.startsWith('\u001b[')) {
      const m = /^.\[([0-9]*)K$/.exec(t);
      if (m) {
        // 0 (default): from the cursor to the end; 1: to the cursor; 2: the whole line
        if (m[1] === '2') line = [];
        else if (m[1] === '1') line = line.map((c, i) => (i <= col ? ' ' : c));
        else line = line.slice(0, col);
      }
    } else {
      while (line.length < col) line.push(' ');
      line[col] = t;
      col += 1;
    }
  }
  if (line.join('').trim() !== '') lines.push(line.join('').trimEnd());
  return lines;
}

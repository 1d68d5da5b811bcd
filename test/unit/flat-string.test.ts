import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flatString } from '../../src/util/flat-string.js';

describe('flatString', () => {
  it.each(['', 'a', 'Instance i-1 (web) accepts TCP 22', `é${'x'.repeat(20)}😀`])(
    'is the same string: %j',
    (s) => {
      const built = [...s].reduce((acc, ch) => acc + ch, '');
      expect(flatString(built)).toBe(s);
    },
  );

  it('keeps 50,000 messages built from pieces in less than half the memory of their trees', () => {
    const util = fileURLToPath(new URL('../../dist/src/util/flat-string.js', import.meta.url));
    const script = `
      const { flatString } = await import(${JSON.stringify(util)});
      const build = (i) => \`Instance i-\${i.toString(36)} (web-\${i}) in \${'cn-hangzhou'} accepts TCP \${22} from \${'0.0.0.0/0'} through sg-\${i} at priority \${i % 100}\`;
      const held = (f) => {
        globalThis.gc();
        const before = process.memoryUsage().heapUsed;
        const keep = [];
        for (let i = 0; i < 50000; i++) keep.push(f(build(i)));
        globalThis.gc();
        const used = process.memoryUsage().heapUsed - before;
        return keep.length === 50000 ? used : -1;
      };
      console.log(JSON.stringify({ tree: held((s) => s), flat: held(flatString) }));`;
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const { tree, flat } = JSON.parse(out.trim());
    expect(tree).toBeGreaterThan(0);
    expect(flat).toBeLessThan(tree / 2);
  });
});

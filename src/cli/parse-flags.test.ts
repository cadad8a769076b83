import { describe, expect, test } from 'vitest';
import { parseFlags } from './parse-flags.js';

const spec = { out: { type: 'string' }, json: { type: 'boolean' }, tag: { type: 'string', multiple: true } } as const;

describe('parseFlags', () => {
  test.each([
    [['a.png', '--out', 'dir'], { out: 'dir' }, ['a.png']],
    [['--out=dir', 'b'], { out: 'dir' }, ['b']],
    [['--json', 'x'], { json: true }, ['x']],
    [['--json=false'], { json: false }, []],
    [['--tag', 'a', '--tag=b'], { tag: ['a', 'b'] }, []],
    [['--', '--out'], {}, ['--out']],
  ])('%j', (argv, values, positionals) => {
    const r = parseFlags(argv, spec);
    expect(r.values).toEqual(values);
    expect(r.positionals).toEqual(positionals);
  });

  test.each([
    [['--nope'], /unknown flag --nope/],
    [['--out'], /--out needs a value/],
    [['--out', '--json'], /--out needs a value/],
    [['--json=maybe'], /true\/false/],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseFlags(argv, spec)).toThrow(msg);
  });
});

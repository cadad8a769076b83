import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findPlayerDir } from './player-route.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

describe('findPlayerDir', () => {
  it.each([
    ['src/http (vitest)', here],
    ['dist/src/http (built)', path.join(repo, 'dist', 'src', 'http')],
  ])('finds the repo player/ from %s', (_name, from) => {
    expect(findPlayerDir(from)).toBe(path.join(repo, 'player'));
  });

  it('fails with a coded error where no player/ exists', () => {
    expect(() => findPlayerDir(path.join(os.tmpdir(), 'no-such', 'a', 'b', 'c', 'd', 'e'))).toThrow(
      expect.objectContaining({ code: 'HTTP_PLAYER_MISSING' }),
    );
  });
});

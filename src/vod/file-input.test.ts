import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLI_INPUT_POLICY, inputLocation, resolveFileInput } from './file-input.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uprez-input-'));
  await mkdir(path.join(dir, 'root', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'root', 'sub', 'in.mp4'), 'x');
  await writeFile(path.join(dir, 'outside.mp4'), 'x');
  await symlink(path.join(dir, 'outside.mp4'), path.join(dir, 'root', 'link.mp4'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file job inputs', () => {
  test('the CLI takes local files and http(s)/rtmp(s) URLs', async () => {
    const f = await resolveFileInput(path.join(dir, 'outside.mp4'), CLI_INPUT_POLICY);
    expect(f).toMatchObject({ kind: 'file', path: path.join(dir, 'outside.mp4'), size: 1 });
    expect(inputLocation(await resolveFileInput('https://example.com/a.mp4', CLI_INPUT_POLICY))).toBe('https://example.com/a.mp4');
    expect((await resolveFileInput('rtmp://host/vod/a', CLI_INPUT_POLICY)).kind).toBe('url');
  });
  test.each([
    ['file:/etc/passwd', /scheme "file:"/],
    ['concat:a.ts|b.ts', /scheme "concat:"/],
    ['pipe:0', /scheme "pipe:"/],
    ['data:video/mp4;base64,AAAA', /scheme "data:"/],
    ['ftp://host/a.mp4', /scheme "ftp:"/],
    ['', /input must be/],
    ['a\nb', /input must be/],
  ])('refuses %j', async (input, msg) => {
    await expect(resolveFileInput(input, CLI_INPUT_POLICY)).rejects.toThrow(msg);
  });
  test('HTTP jobs: only files inside the input root, symlinks resolved, no URLs', async () => {
    const policy = { root: path.join(dir, 'root'), schemes: [] };
    expect(inputLocation(await resolveFileInput('sub/in.mp4', policy))).toBe(path.join(dir, 'root', 'sub', 'in.mp4'));
    await expect(resolveFileInput('../outside.mp4', policy)).rejects.toThrow(/outside the jobs input directory/);
    await expect(resolveFileInput(path.join(dir, 'outside.mp4'), policy)).rejects.toThrow(/outside the jobs input directory/);
    await expect(resolveFileInput('link.mp4', policy)).rejects.toThrow(/outside the jobs input directory/);
    await expect(resolveFileInput('sub', policy)).rejects.toThrow(/not a regular file/);
    await expect(resolveFileInput('nope.mp4', policy)).rejects.toThrow(/no such file/);
    await expect(resolveFileInput('https://example.com/a.mp4', policy)).rejects.toThrow(/only local files/);
  });
});

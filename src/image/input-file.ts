import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { UprezError, errorMessage } from '../errors.js';

/** Inputs larger than this are refused before reading (4 GiB: the most a classic TIFF holds). */
export const MAX_INPUT_BYTES = 4 * 1024 ** 3;

function readReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return errorMessage(err);
}

/** statInput stats an input and checks it is a regular file of sane size (never a FIFO or a device such as /dev/zero); errors are IMAGE_READ. */
export async function statInput(input: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(input);
  } catch (err) {
    throw new UprezError('IMAGE_READ', readReason(err), { cause: err });
  }
  if (st.isDirectory()) throw new UprezError('IMAGE_READ', 'is a directory');
  if (!st.isFile()) throw new UprezError('IMAGE_READ', 'is not a regular file');
  if (st.size > MAX_INPUT_BYTES) throw new UprezError('IMAGE_READ', `is ${st.size} bytes, more than ${MAX_INPUT_BYTES}`);
  return st;
}

import { describe, expect, test } from 'vitest';
import { isRetryableStatus } from './origin-error.js';

describe('isRetryableStatus', () => {
  test.each([408, 423, 425, 429, 500, 502, 503, 504])('%i is worth another try', (status) => {
    expect(isRetryableStatus(status)).toBe(true);
  });
  test.each([400, 401, 403, 404, 405, 409, 413])('%i is not', (status) => {
    expect(isRetryableStatus(status)).toBe(false);
  });
});

/** Stream keys are the only name a publisher chooses; they become directory names and metric labels. */
export const STREAM_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** isValidStreamKey says whether a publisher-supplied key is acceptable. */
export function isValidStreamKey(key: unknown): key is string {
  return typeof key === 'string' && STREAM_KEY_PATTERN.test(key);
}

/** The RTMP application name publishers must use: rtmp://host/live/KEY. */
export const RTMP_APP = 'live';

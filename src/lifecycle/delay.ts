/** delay resolves after `ms`; its timer does not keep the process alive (shutdown never waits on it). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

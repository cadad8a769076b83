import type { ProcessExit } from './supervised-process.js';

/** Progress and banner lines of ffmpeg's stderr: they never say why it stopped. */
const CHATTER = /^(frame=|size=|\[info\]|Press \[q\])/;

/** exitReason picks ffmpeg's last stderr line that says something (an operator-facing reason), else the signal or exit code. */
export function exitReason(e: ProcessExit): string {
  const lines = e.stderrTail.map((l) => l.trim()).filter((l) => l && !CHATTER.test(l));
  return lines.length ? (lines[lines.length - 1] as string).slice(0, 300) : e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

/**
 * The stream pipeline's lifecycle state as data: what runs now (Phase) and what follows the
 * running session (Next), with the pure questions asked of it (the API's state, whether a new
 * publish may continue the stream). The transitions themselves are StreamPipeline's.
 */
import { exitReason } from '../ffmpeg/exit-reason.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { FeedSource } from '../ingest/publish-feed.js';
import type { SessionEnd, TranscodeSession } from '../session/transcode-session.js';
import type { StreamState } from './stream-snapshot.js';

/** Next is what follows when the running session ends. */
export type Next =
  /** A child died under a live publisher: restart (within the policy). */
  | { readonly kind: 'restart' }
  /** The publisher dropped: wait up to windowMs for it to come back. */
  | { readonly kind: 'reconnect'; readonly windowMs: number }
  /** The publisher came back while the old session still drained: start on its feed. */
  | { readonly kind: 'reattach'; readonly input: FeedSource; readonly sourceAudio: boolean }
  /** The publish ended for good (or shutdown): end the playlists. */
  | { readonly kind: 'finish' };

/** Phase is the pipeline's one piece of lifecycle state. */
export type Phase =
  | { readonly kind: 'running'; readonly session: TranscodeSession; next: Next }
  | { readonly kind: 'restart_wait'; readonly input: FeedSource; readonly sourceAudio: boolean; cancelled: boolean }
  | { readonly kind: 'reconnect_wait'; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'finalizing' }
  | { readonly kind: 'done'; readonly state: 'ended' | 'failed' };

/** phaseState is the API's view of a phase. */
export function phaseState(p: Phase): StreamState {
  switch (p.kind) {
    case 'done':
      return p.state;
    case 'finalizing':
      return 'ending';
    case 'reconnect_wait':
      return 'reconnecting';
    case 'restart_wait':
      return 'starting';
    case 'running':
      if (p.next.kind === 'finish') return 'ending';
      return p.session.currentEncoder ? 'live' : 'starting';
  }
}

/** acceptsReattach says whether a new publish of the key would continue a stream in phase `p` (it is not ending). */
export function acceptsReattach(p: Phase, closed: boolean): boolean {
  return !(closed || p.kind === 'done' || p.kind === 'finalizing' || (p.kind === 'running' && p.next.kind === 'finish'));
}

/** SessionFault: which child ended a session under a live publisher, its exit, and why in a line. */
export interface SessionFault {
  readonly which: 'decoder' | 'encoder';
  readonly exit: ProcessExit;
  readonly why: string;
}

/** sessionFault names the child a failed session is counted against (the encoder when it died first, else the decoder). */
export function sessionFault(e: SessionEnd): SessionFault {
  const which = e.encoderFailed ? 'encoder' : 'decoder';
  const exit = e.encoderFailed && e.encoderExit ? e.encoderExit : e.decoderExit;
  return { which, exit, why: e.encoderFailed ? (e.encoderFailure ?? exitReason(exit)) : exitReason(exit) };
}

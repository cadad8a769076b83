import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { EventEmitter } from 'node:events';

/**
 * The slice of node-media-server 4.4.3 (plain JS, no types, a process-wide context) that the
 * ingest adapter uses. Declared here, and only imported by src/ingest/, so nothing of theirs
 * leaks past the adapter. The version is pinned in package.json because these are internals.
 */

/** NmsSession is an RTMP session as node-media-server models it. */
export interface NmsSession {
  readonly id: string;
  readonly ip: string;
  readonly socket: Socket;
  readonly streamApp: string;
  readonly streamName: string;
  readonly streamPath: string;
  readonly streamQuery: Record<string, string | string[] | undefined>;
  readonly inBytes: number;
  readonly audioCodec: number | undefined;
  readonly videoCodec: number;
  readonly videoWidth: number;
  readonly videoHeight: number;
  readonly videoFramerate: number;
  isPublisher: boolean;
  /** The RTMP protocol state machine; `onDeleteStream` is an empty hook node-media-server never fills. */
  readonly rtmp: {
    onDeleteStream: (msg: unknown) => void;
    /** The message stream of the play/publish (set by the client's play or publish command). */
    readonly streamId: number;
    sendStatusMessage(streamId: number, level: string, code: string, description: string): void;
  };
  run(): void;
  close(): void;
}

/** NmsBroadcast is one stream path's fan-out: its publisher, subscribers and cached headers. */
export interface NmsBroadcast {
  readonly publisher: NmsSession | null;
  readonly subscribers: Map<string, NmsSession>;
  readonly rtmpAudioHeader: Buffer | null;
  readonly rtmpVideoHeader: Buffer | null;
  readonly rtmpMetaData: Buffer | null;
}

/** NmsContext is node-media-server's process-wide state. */
export interface NmsContext {
  config: Record<string, unknown>;
  readonly sessions: Map<string, NmsSession>;
  readonly broadcasts: Map<string, NmsBroadcast>;
  readonly eventEmitter: EventEmitter;
}

/** NmsModules are the three modules the adapter loads. */
export interface NmsModules {
  readonly context: NmsContext;
  readonly RtmpSession: new (socket: Socket) => NmsSession;
  readonly logger: { level: string };
}

let cached: NmsModules | undefined;

/** loadNms loads node-media-server's context, RTMP session class and logger (once per process). */
export function loadNms(): NmsModules {
  if (!cached) {
    const require = createRequire(import.meta.url);
    cached = {
      context: require('node-media-server/src/core/context.js') as NmsContext,
      RtmpSession: require('node-media-server/src/session/rtmp_session.js') as NmsModules['RtmpSession'],
      logger: require('node-media-server/src/core/logger.js') as NmsModules['logger'],
    };
  }
  return cached;
}

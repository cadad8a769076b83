import { Decoder } from '../decode/decoder.js';
import { Encoder } from '../encode/encoder.js';
import type { SessionFactories } from './session-ports.js';

/** REAL_FACTORIES make real ffmpeg decoders and encoders (live streams and file jobs alike). */
export const REAL_FACTORIES: SessionFactories = {
  createDecoder: (o) => new Decoder(o),
  createEncoder: (o) => new Encoder(o),
};

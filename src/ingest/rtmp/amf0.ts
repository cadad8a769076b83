/**
 * AMF0 (Action Message Format 0), the encoding of RTMP commands: just the value types RTMP
 * clients send and servers answer with. Decoding reads untrusted bytes, so it is bounded
 * (nesting depth, members per object, string length) and throws Amf0Error on anything malformed.
 */

/** An AMF0 value as decoded: objects and ECMA arrays become plain records, dates numbers (ms). */
export type Amf0Value = number | boolean | string | null | undefined | Amf0Object | Amf0Value[];

/** An AMF0 object or ECMA array. */
export interface Amf0Object {
  [key: string]: Amf0Value;
}

/** Amf0Error says why a payload is not valid AMF0 (or exceeds our bounds). */
export class Amf0Error extends Error {
  override readonly name = 'Amf0Error';
}

const MARKER = {
  number: 0x00,
  boolean: 0x01,
  string: 0x02,
  object: 0x03,
  null: 0x05,
  undefined: 0x06,
  ecmaArray: 0x08,
  objectEnd: 0x09,
  strictArray: 0x0a,
  date: 0x0b,
  longString: 0x0c,
  unsupported: 0x0d,
  xmlDocument: 0x0f,
  typedObject: 0x10,
} as const;

/** Bounds on what one command may contain: commands are small; anything larger is an attack or a bug. */
const MAX_DEPTH = 8;
const MAX_MEMBERS = 256;
const MAX_STRING = 64 * 1024;

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Amf0Error(`truncated at byte ${this.pos} (needs ${n} more)`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(len: number): string {
    if (len > MAX_STRING) throw new Amf0Error(`string of ${len} bytes exceeds ${MAX_STRING}`);
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

function readValue(r: Reader, depth: number): Amf0Value {
  if (depth > MAX_DEPTH) throw new Amf0Error(`nesting deeper than ${MAX_DEPTH}`);
  const marker = r.u8();
  switch (marker) {
    case MARKER.number:
      return r.f64();
    case MARKER.boolean:
      return r.u8() !== 0;
    case MARKER.string:
      return r.utf8(r.u16());
    case MARKER.longString:
    case MARKER.xmlDocument:
      return r.utf8(r.u32());
    case MARKER.null:
      return null;
    case MARKER.undefined:
    case MARKER.unsupported:
      return undefined;
    case MARKER.object:
      return readMembers(r, depth);
    case MARKER.typedObject:
      r.utf8(r.u16()); // class name: irrelevant to us
      return readMembers(r, depth);
    case MARKER.ecmaArray:
      r.u32(); // associative count: a hint only, the members end with the object-end marker
      return readMembers(r, depth);
    case MARKER.strictArray: {
      const n = r.u32();
      if (n > MAX_MEMBERS) throw new Amf0Error(`array of ${n} items exceeds ${MAX_MEMBERS}`);
      const out: Amf0Value[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r, depth + 1));
      return out;
    }
    case MARKER.date: {
      const ms = r.f64();
      r.u16(); // time zone: reserved, 0
      return ms;
    }
    default:
      throw new Amf0Error(`unsupported AMF0 marker 0x${marker.toString(16)} at byte ${r.pos - 1}`);
  }
}

function readMembers(r: Reader, depth: number): Amf0Object {
  // A null prototype: a member named "__proto__" is data, never the object's prototype.
  const obj = Object.create(null) as Amf0Object;
  for (let n = 0; ; n++) {
    if (n > MAX_MEMBERS) throw new Amf0Error(`object with more than ${MAX_MEMBERS} members`);
    const key = r.utf8(r.u16());
    if (key === '') {
      const end = r.u8();
      if (end !== MARKER.objectEnd) throw new Amf0Error(`expected object end, got marker 0x${end.toString(16)}`);
      return obj;
    }
    obj[key] = readValue(r, depth + 1);
  }
}

/** decodeAmf0 decodes every value in `buf`, in order. Throws Amf0Error on malformed input. */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const r = new Reader(buf);
  const values: Amf0Value[] = [];
  while (!r.done) {
    if (values.length >= MAX_MEMBERS) throw new Amf0Error(`more than ${MAX_MEMBERS} values`);
    values.push(readValue(r, 0));
  }
  return values;
}

function writeString(parts: Buffer[], s: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 0xffff) {
    const h = Buffer.alloc(5);
    h[0] = MARKER.longString;
    h.writeUInt32BE(b.length, 1);
    parts.push(h, b);
    return;
  }
  const h = Buffer.alloc(3);
  h[0] = MARKER.string;
  h.writeUInt16BE(b.length, 1);
  parts.push(h, b);
}

function writeKey(parts: Buffer[], key: string): void {
  const b = Buffer.from(key, 'utf8');
  const h = Buffer.alloc(2);
  h.writeUInt16BE(b.length);
  parts.push(h, b);
}

function writeValue(parts: Buffer[], v: Amf0Value): void {
  if (v === null) parts.push(Buffer.from([MARKER.null]));
  else if (v === undefined) parts.push(Buffer.from([MARKER.undefined]));
  else if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = MARKER.number;
    b.writeDoubleBE(v, 1);
    parts.push(b);
  } else if (typeof v === 'boolean') parts.push(Buffer.from([MARKER.boolean, v ? 1 : 0]));
  else if (typeof v === 'string') writeString(parts, v);
  else if (Array.isArray(v)) {
    const h = Buffer.alloc(5);
    h[0] = MARKER.strictArray;
    h.writeUInt32BE(v.length, 1);
    parts.push(h);
    for (const item of v) writeValue(parts, item);
  } else {
    parts.push(Buffer.from([MARKER.object]));
    for (const [k, item] of Object.entries(v)) {
      writeKey(parts, k);
      writeValue(parts, item);
    }
    parts.push(Buffer.from([0, 0, MARKER.objectEnd]));
  }
}

/** encodeAmf0 encodes values one after the other (an RTMP command is name, transaction id, ...). */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) writeValue(parts, v);
  return Buffer.concat(parts);
}

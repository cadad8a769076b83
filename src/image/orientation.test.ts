import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import { orientedSize, orientPixels, storedBox, toOrientation, type Orientation } from './orientation.js';

const W = 7;
const H = 5;
/** Every pixel different (R = x, G = y, B = a tag), so any wrong turn or flip shows. */
const stored = Buffer.from(Array.from({ length: W * H }, (_, i) => [i % W, Math.floor(i / W), 100 + i]).flat());

/** sharpUpright turns the stored pixels as libvips does for EXIF orientation `o` (the reference). */
async function sharpUpright(o: Orientation): Promise<{ data: Buffer; width: number; height: number }> {
  const tiff = await sharp(stored, { raw: { width: W, height: H, channels: 3 } })
    .withMetadata({ orientation: o })
    .tiff({ compression: 'deflate' })
    .toBuffer();
  const { data, info } = await sharp(tiff, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('reading through the EXIF orientation', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8] as const)(
    "orientation %d: the whole picture and a part of it match libvips' autoOrient",
    async (o) => {
      const ref = await sharpUpright(o);
      expect(orientedSize(W, H, o)).toEqual({ width: ref.width, height: ref.height });
      const all = { x: 0, y: 0, w: ref.width, h: ref.height };
      const box = storedBox(all, W, H, o);
      expect(box).toEqual({ x: 0, y: 0, w: W, h: H });
      expect(Buffer.from(orientPixels(stored, box, all, W, H, o, 3))).toEqual(ref.data);
      // A 2x3 part of the upright picture, read from only the stored pixels holding it.
      const part = { x: 1, y: 2, w: 2, h: 3 };
      const pb = storedBox(part, W, H, o);
      expect(pb.w * pb.h).toBe(6);
      const src = Buffer.concat(
        Array.from({ length: pb.h }, (_, r) => stored.subarray(((pb.y + r) * W + pb.x) * 3, ((pb.y + r) * W + pb.x + pb.w) * 3)),
      );
      const want = Buffer.concat(
        Array.from({ length: part.h }, (_, r) =>
          ref.data.subarray(((part.y + r) * ref.width + part.x) * 3, ((part.y + r) * ref.width + part.x + part.w) * 3),
        ),
      );
      expect(Buffer.from(orientPixels(src, pb, part, W, H, o, 3))).toEqual(want);
    },
  );

  test.each([
    [6, 6],
    [0, 1],
    [9, 1],
    [2.5, 1],
    ['6', 1],
    [undefined, 1],
  ])('toOrientation(%j) = %d', (v, o) => expect(toOrientation(v)).toBe(o));
});

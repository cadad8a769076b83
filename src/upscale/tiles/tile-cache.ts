/**
 * TileCache: what the deadline stage remembers of the previous frames, per tile of the current
 * grid: a version that moves when the tile's window (tile plus the model's halo) changed, the
 * model output made for the current version (reused bit for bit until the window changes), and
 * whether a model made the tile last frame (the stage prefers such tiles: a steady picture).
 */
import { changedTiles } from './tile-analysis.js';
import { tileGrid, type TileGrid } from './tile-grid.js';

/** CachedTile is one tile's model output, valid while its window is at `version`. */
export interface CachedTile {
  readonly version: number;
  readonly tier: number;
  readonly block: Uint8Array;
}

/** TileCache: see the file comment. */
export class TileCache {
  private current: TileGrid | null = null;
  private prevY: Uint8Array | null = null;
  private versions = new Uint32Array(0);
  private blocks: (CachedTile | null)[] = [];
  private modelLast = new Uint8Array(0);

  constructor(
    private readonly tileSize: number,
    private readonly halo: number,
  ) {}

  /** grid is the current grid (null before the first frame). */
  get grid(): TileGrid | null {
    return this.current;
  }

  /** gridFor returns the grid of a frame of this size; a new size starts the cache afresh. */
  gridFor(width: number, height: number): TileGrid {
    const cur = this.current;
    if (cur && cur.width === width && cur.height === height) return cur;
    const grid = tileGrid(width, height, this.tileSize);
    this.current = grid;
    this.prevY = null;
    this.versions = new Uint32Array(grid.count);
    this.blocks = new Array<CachedTile | null>(grid.count).fill(null);
    this.modelLast = new Uint8Array(grid.count);
    return grid;
  }

  /** advance takes the next frame's Y (of the current grid): tiles whose window changed move to a new version and lose their output. */
  advance(y: Uint8Array): void {
    const grid = this.current as TileGrid;
    const changed = changedTiles(this.prevY, y, grid, this.halo);
    this.prevY = y;
    for (let t = 0; t < grid.count; t++) {
      if (!changed[t]) continue;
      this.versions[t] = (this.versions[t] as number) + 1;
      this.blocks[t] = null;
    }
  }

  /** forget drops every reusable output and moves every tile to a new version (results still out are not kept either): the model changed. */
  forget(): void {
    for (let t = 0; t < this.versions.length; t++) {
      this.versions[t] = (this.versions[t] as number) + 1;
      this.blocks[t] = null;
    }
  }

  /** cached is tile t's reusable model output, or null. */
  cached(t: number): CachedTile | null {
    return this.blocks[t] ?? null;
  }

  /** version is tile t's window version now. */
  version(t: number): number {
    return this.versions[t] as number;
  }

  /** store keeps a model output made on `grid` for tile t at `version`, if that is still the tile's window now. */
  store(grid: TileGrid, t: number, version: number, tier: number, block: Uint8Array): void {
    if (grid === this.current && version === this.versions[t]) this.blocks[t] = { version, tier, block };
  }

  /** wasModel says whether a model made tile t last frame. */
  wasModel(t: number): boolean {
    return this.modelLast[t] === 1;
  }

  /** setModel records whether a model made tile t this frame. */
  setModel(t: number, model: boolean): void {
    this.modelLast[t] = model ? 1 : 0;
  }
}

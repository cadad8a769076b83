// uprez native SR engine, written once over a vector type and compiled once per instruction set
// (sr_avx512.cc, sr_avx2.cc, sr_scalar.cc include it inside their own anonymous namespace, after
// defining `struct V`; see those files). Everything here therefore has internal linkage.
//
// How a region is computed (the whole frame is a row of strips, each one region):
// - Layers are fused: a ring of rows per layer, computed lazily from the top; a row of layer l is
//   made when the next layer asks for it, so only 2r+1 rows of each layer are alive, a few hundred
//   KB for a 256-pixel strip of 16 channels: the activations stay in L1/L2 instead of the whole
//   frame going through memory once per layer, which is what a graph runtime does.
// - Each layer is computed over the columns the layers after it need (the region plus their
//   halo), read from the full LR plane, so a region's output is the whole-frame output inside it.
//   Outside the frame a layer's output is padded as its consumer pads: zeros, or the edge value
//   repeated (rows: a shared zero row, or the clamped row of the ring).
// - A conv row: pixels across the vector lanes (PX vectors) times a block of CB output channels
//   in registers; per input channel and tap, PX loads and CB weight broadcasts feed PX*CB FMAs.
//   Every pixel sees the same sequence of operations whatever its lane or the region, which is
//   what makes a region bit-exact with the whole frame.

constexpr int L = V::L;
// What one conv block may keep in L1 (input window + the layer's weights): below a 48 KB L1d.
constexpr size_t kL1Budget = 40 * 1024;

inline size_t Round16(size_t n) { return (n + 15) & ~static_cast<size_t>(15); }
inline int RoundUp(int n, int m) { return (n + m - 1) / m * m; }
inline int RoundDown(int n, int m) { return n / m * m; }
inline int Clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// Geometry of one region. Buffer l (0 = the input, l = output of body layer l, up to n-1) is
// read by body layer l+1 (array index l), whose padding it takes outside the frame.
struct Geo {
  int BW = 0;                     // floats per channel row (multiple of max(L, 8))
  int M = 0;                      // left margin of the buffer (>= the widest tap radius, multiple of L)
  int origin = 0;                 // buffer columns left of the region besides M: max(halo[0], skip radius)
  int halo[kMaxLayers + 1] = {};  // halo[l]: columns/rows buffer l (0 = input) is needed beyond the region
  int ring[kMaxLayers] = {};      // rows kept of buffer l
  int skipRing = 0;
};

inline Geo MakeGeo(const PNet& net, int rw) {
  Geo g;
  g.halo[net.n] = 0;
  for (int l = net.n; l >= 1; l--) g.halo[l - 1] = g.halo[l] + net.layer[l - 1].k / 2;
  const int rs = net.hasSkip ? net.skip.k / 2 : 0;
  g.origin = g.halo[0] > rs ? g.halo[0] : rs;
  g.M = RoundUp(4, L);
  const int unit = L > 8 ? L : 8;
  // Reads reach below M + 2*origin + rw + L (rounded-up vectors plus taps); see RunLayer.
  g.BW = RoundUp(g.M + rw + 2 * g.origin + L, unit);
  for (int l = 0; l < net.n; l++) g.ring[l] = 2 * (net.layer[l].k / 2) + 1;
  g.skipRing = 2 * rs + 1;
  return g;
}

inline int BufChannels(const PNet& net, int l) { return l == 0 ? 1 : net.layer[l - 1].coutPad; }

size_t ScratchFloats(const PNet& net, int rw) {
  const Geo g = MakeGeo(net, rw);
  size_t n = 0;
  int maxC = 1;
  for (int l = 0; l < net.n; l++) {
    n += Round16(static_cast<size_t>(g.ring[l]) * BufChannels(net, l) * g.BW);
    if (BufChannels(net, l) > maxC) maxC = BufChannels(net, l);
  }
  n += Round16(static_cast<size_t>(g.skipRing) * g.BW);                                         // skip input ring
  n += Round16(static_cast<size_t>(net.layer[net.n - 1].coutPad) * g.BW);                       // last body row
  n += Round16(static_cast<size_t>(net.hasSkip ? net.skip.coutPad : 1) * g.BW);                 // skip row
  n += Round16(static_cast<size_t>(maxC) * g.BW);                                               // zero row
  n += Round16(static_cast<size_t>(net.scale) * net.scale * g.BW);                              // quantized phases (bytes + int16)
  return n;
}

// ---- one conv row -------------------------------------------------------------------------------

template <int K, int PX, int CB>
inline void ConvBlock(const float* const* rows, ptrdiff_t cs, int cin, const float* w, const float* b, bool relu, float* out, int x) {
  typename V::R acc[PX][CB];
  for (int c = 0; c < CB; c++) {
    const typename V::R bv = V::Bcast(b + c);
    for (int p = 0; p < PX; p++) acc[p][c] = bv;
  }
  constexpr int r = K / 2;
  for (int ci = 0; ci < cin; ci++) {
    for (int ky = 0; ky < K; ky++) {
      const float* ip = rows[ky] + ci * cs + x - r;
      for (int kx = 0; kx < K; kx++) {
        typename V::R in[PX];
        for (int p = 0; p < PX; p++) in[p] = V::Load(ip + kx + p * L);
        for (int c = 0; c < CB; c++) {
          const typename V::R wv = V::Bcast(w + c);
          for (int p = 0; p < PX; p++) acc[p][c] = V::Fma(in[p], wv, acc[p][c]);
        }
        w += CB;
      }
    }
  }
  for (int c = 0; c < CB; c++) {
    for (int p = 0; p < PX; p++) V::Store(out + c * cs + x + p * L, relu ? V::Relu(acc[p][c]) : acc[p][c]);
  }
}

// ConvRowT computes output columns [x0, x1) (multiples of L) of every output channel.
template <int K, int CB, int PX>
void ConvRowT(const PLayer& ly, const float* const* rows, ptrdiff_t cs, float* out, int x0, int x1) {
  const int blocks = ly.coutPad / CB;
  const size_t wStride = static_cast<size_t>(ly.cin) * K * K * CB;
  int x = x0;
  for (; x + PX * L <= x1; x += PX * L) {
    for (int cb = 0; cb < blocks; cb++) ConvBlock<K, PX, CB>(rows, cs, ly.cin, ly.w + cb * wStride, ly.b + cb * CB, ly.relu, out + cb * CB * cs, x);
  }
  for (; x < x1; x += L) {
    for (int cb = 0; cb < blocks; cb++) ConvBlock<K, 1, CB>(rows, cs, ly.cin, ly.w + cb * wStride, ly.b + cb * CB, ly.relu, out + cb * CB * cs, x);
  }
}

// ConvRow dispatches on the kernel size (3 or 5: the recogniser refuses others), the block of
// output channels, and the pixel vectors per block. A block reads a K-row input window of
// PX*L + K-1 columns of every input channel from L1 for each output block, beside the layer's
// weights; when wide vectors and many channels would make that spill L1 (about 48 KB), PX drops
// (uprez-x4's 28 channels: 3 pixel vectors instead of 6).
template <int K>
void ConvRowK(const PLayer& ly, const float* const* rows, ptrdiff_t cs, float* out, int x0, int x1) {
  if constexpr (V::kPx8 > 0) {
    if (ly.cb == 8) {
      ConvRowT<K, 8, V::kPx8>(ly, rows, cs, out, x0, x1);
      return;
    }
  }
  const size_t weights = static_cast<size_t>(ly.cin) * K * K * ly.coutPad * sizeof(float);
  const size_t window = static_cast<size_t>(K) * ly.cin * (V::kPx4 * L + K - 1) * sizeof(float);
  if (V::kPx4Small < V::kPx4 && weights + window > kL1Budget) ConvRowT<K, 4, V::kPx4Small>(ly, rows, cs, out, x0, x1);
  else ConvRowT<K, 4, V::kPx4>(ly, rows, cs, out, x0, x1);
}

void ConvRow(const PLayer& ly, const float* const* rows, ptrdiff_t cs, float* out, int x0, int x1) {
  if (ly.k == 3) ConvRowK<3>(ly, rows, cs, out, x0, x1);
  else ConvRowK<5>(ly, rows, cs, out, x0, x1);
}

int BlockFor(int cout) { return (V::kPx8 > 0 && cout % 8 == 0) ? 8 : 4; }

// ---- the region pipeline ------------------------------------------------------------------------

struct Pipe {
  const PNet* net;
  const Region* r;
  Geo g;
  float* buf[kMaxLayers] = {};  // ring of buffer l (0 = input for body layer 1)
  int next[kMaxLayers + 1] = {};  // next frame row to compute, per layer (0 = input)
  float* skipIn = nullptr;
  int skipNext = 0;
  float* lastRow = nullptr;
  float* skipRow = nullptr;
  float* zeroRow = nullptr;
  uint8_t* q = nullptr;
  int16_t* rq = nullptr;

  // Buffer index of frame column x.
  int B(int x) const { return x - (r->x0 - g.origin) + g.M; }

  // FillInput converts frame row y (inside the frame) into a float row, padding columns as `edge` says.
  void FillInput(float* dst, int y, bool edge) const {
    const uint8_t* s = r->src + static_cast<ptrdiff_t>(y) * r->W;
    const int xb = r->x0 - g.origin - g.M;  // frame x of buffer index 0
    const int lo = Clamp(-xb, 0, g.BW), hi = Clamp(r->W - xb, 0, g.BW);
    const float left = edge ? static_cast<float>(s[0]) : 0.f, right = edge ? static_cast<float>(s[r->W - 1]) : 0.f;
    for (int b = 0; b < lo; b++) dst[b] = left;
    for (int b = lo; b < hi; b++) dst[b] = static_cast<float>(s[xb + b]);
    for (int b = hi; b < g.BW; b++) dst[b] = right;
  }

  // Row returns buffer l's row for frame row y, padded as its consumer pads when y is outside the frame.
  const float* Row(int l, int y) const {
    const bool edge = net->layer[l].edge;  // consumer of buffer l is body layer l+1 (index l)
    if (y < 0 || y >= r->H) {
      if (!edge) return zeroRow;
      y = Clamp(y, 0, r->H - 1);
    }
    const size_t rowFloats = static_cast<size_t>(BufChannels(*net, l)) * g.BW;
    return buf[l] + static_cast<size_t>(y % g.ring[l]) * rowFloats;
  }

  const float* SkipRow(int y) const {
    if (y < 0 || y >= r->H) {
      if (!net->skip.edge) return zeroRow;
      y = Clamp(y, 0, r->H - 1);
    }
    return skipIn + static_cast<size_t>(y % g.skipRing) * g.BW;
  }

  // Ensure makes rows of buffer l up to frame row t (clamped to the frame) available.
  void Ensure(int l, int t) {
    if (t > r->H - 1) t = r->H - 1;
    while (next[l] <= t) {
      Compute(l, next[l]);
      next[l]++;
    }
  }

  // PadColumns writes the consumer's padding over the needed columns outside the frame.
  void PadColumns(float* row, int channels, int halo, bool edge) const {
    const int from = r->x0 - halo, to = r->x0 + r->rw + halo;
    for (int c = 0; c < channels; c++) {
      float* p = row + static_cast<size_t>(c) * g.BW;
      if (from < 0) {
        const float v = edge ? p[B(0)] : 0.f;
        for (int x = from; x < 0; x++) p[B(x)] = v;
      }
      if (to > r->W) {
        const float v = edge ? p[B(r->W - 1)] : 0.f;
        for (int x = r->W; x < to; x++) p[B(x)] = v;
      }
    }
  }

  // Compute makes frame row y of buffer l (l >= 1: output of body layer l, which is not the last).
  void Compute(int l, int y) {
    const size_t rowFloats = static_cast<size_t>(BufChannels(*net, l)) * g.BW;
    float* dst = buf[l] + static_cast<size_t>(y % g.ring[l]) * rowFloats;
    if (l == 0) {
      FillInput(dst, y, net->layer[0].edge);
      return;
    }
    RunLayer(l, y, dst);
    PadColumns(dst, net->layer[l - 1].cout, g.halo[l], net->layer[l].edge);
  }

  // RunLayer computes body layer l (1-based) at frame row y into dst, over the columns layers after it need.
  void RunLayer(int l, int y, float* dst) {
    const PLayer& ly = net->layer[l - 1];
    const int rr = ly.k / 2;
    Ensure(l - 1, y + rr);
    const float* rows[7];
    for (int d = -rr; d <= rr; d++) rows[d + rr] = Row(l - 1, y + d);
    const int start = B(r->x0 - g.halo[l]);
    const int x0 = RoundDown(start, L);
    const int x1 = x0 + RoundUp(start - x0 + r->rw + 2 * g.halo[l], L);
    ConvRow(ly, rows, g.BW, dst, x0, x1);
  }

  void SkipAt(int y) {
    const PLayer& sk = net->skip;
    const int rr = sk.k / 2;
    for (int t = (y + rr < r->H - 1 ? y + rr : r->H - 1); skipNext <= t; skipNext++) {
      FillInput(skipIn + static_cast<size_t>(skipNext % g.skipRing) * g.BW, skipNext, sk.edge);
    }
    const float* rows[7];
    for (int d = -rr; d <= rr; d++) rows[d + rr] = SkipRow(y + d);
    const int start = B(r->x0);
    const int x0 = RoundDown(start, L);
    ConvRow(sk, rows, g.BW, skipRow, x0, x0 + RoundUp(start - x0 + r->rw, L));
  }

  // Emit rounds body + skip for frame row y and writes the region's HR rows.
  void Emit(int y) {
    const int s = net->scale, n = RoundUp(r->rw, L), b0 = B(r->x0), rw = r->rw;
    const size_t cs = g.BW;
    int16_t* const rq0 = r->res ? rq : nullptr;
    for (int k = 0; k < s * s; k++) {
      const float* a = lastRow + k * cs + b0;
      const float* sk = net->hasSkip ? skipRow + k * cs + b0 : zeroRow;
      uint8_t* qk = q + k * cs;
      int16_t* rk = rq0 ? rq0 + k * cs : nullptr;
      for (int i = 0; i < n; i += L) V::Quant(a + i, sk + i, qk + i, rk ? rk + i : nullptr);
    }
    const int oy = (y - r->y0) * s;
    uint8_t* const dst = r->dst;
    const ptrdiff_t ds = r->dstStride;
    for (int i = 0; i < s; i++) {
      uint8_t* d = dst + (oy + i) * ds;
      if (s == 2) {
        V::Zip2(q + (i * 2) * cs, q + (i * 2 + 1) * cs, d, rw);
      } else {
        for (int j = 0; j < s; j++) {
          const uint8_t* p = q + (i * s + j) * cs;
          for (int x = 0; x < rw; x++) d[x * s + j] = p[x];
        }
      }
      if (!rq0) continue;
      int16_t* e = r->res + (oy + i) * r->resStride;
      if (s == 2) {
        V::Zip2(rq0 + (i * 2) * cs, rq0 + (i * 2 + 1) * cs, e, rw);
      } else {
        for (int j = 0; j < s; j++) {
          const int16_t* p = rq0 + (i * s + j) * cs;
          for (int x = 0; x < rw; x++) e[x * s + j] = p[x];
        }
      }
    }
  }
};

void RunRegion(const PNet& net, const Region& reg, float* scratch) {
  Pipe p;
  p.net = &net;
  p.r = &reg;
  p.g = MakeGeo(net, reg.rw);
  const Geo& g = p.g;
  float* at = scratch;
  int maxC = 1;
  for (int l = 0; l < net.n; l++) {
    p.buf[l] = at;
    at += Round16(static_cast<size_t>(g.ring[l]) * BufChannels(net, l) * g.BW);
    if (BufChannels(net, l) > maxC) maxC = BufChannels(net, l);
  }
  p.skipIn = at;
  at += Round16(static_cast<size_t>(g.skipRing) * g.BW);
  p.lastRow = at;
  at += Round16(static_cast<size_t>(net.layer[net.n - 1].coutPad) * g.BW);
  p.skipRow = at;
  at += Round16(static_cast<size_t>(net.hasSkip ? net.skip.coutPad : 1) * g.BW);
  p.zeroRow = at;
  for (size_t i = 0; i < static_cast<size_t>(maxC) * g.BW; i++) at[i] = 0.f;
  at += Round16(static_cast<size_t>(maxC) * g.BW);
  p.q = reinterpret_cast<uint8_t*>(at);
  p.rq = reinterpret_cast<int16_t*>(p.q + static_cast<size_t>(net.scale) * net.scale * g.BW);
  // The quantized rows are read as bytes/int16 at channel stride BW: BW*s^2 bytes + 2*BW*s^2 bytes fit in BW*s^2 floats.

  for (int l = 0; l < net.n; l++) p.next[l] = reg.y0 - g.halo[l] > 0 ? reg.y0 - g.halo[l] : 0;
  p.skipNext = reg.y0 - (net.hasSkip ? net.skip.k / 2 : 0) > 0 ? reg.y0 - net.skip.k / 2 : 0;
  for (int y = reg.y0; y < reg.y0 + reg.rh; y++) {
    p.RunLayer(net.n, y, p.lastRow);
    if (net.hasSkip) p.SkipAt(y);
    p.Emit(y);
  }
}

// ---- FMA throughput probe -------------------------------------------------------------------------
// Independent chains of acc = acc * m + c (more chains than latency x FMA ports, so throughput
// bound); V::PeakStep keeps the chains in registers and opaque to the optimiser.

double FmaPeak(long iterations, double* seconds) {
  const double t0 = Clock();
  const float sink = V::PeakLoop(iterations);
  const double dt = Clock() - t0;
  volatile float keep = sink;
  (void)keep;
  if (seconds) *seconds = dt;
  return dt > 0 ? static_cast<double>(iterations) * V::kPeakChains * L / dt / 1e9 : 0;
}

constexpr IsaOps kOps = {kName, L, BlockFor, ScratchFloats, RunRegion, FmaPeak};

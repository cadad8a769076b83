// uprez native bicubic kernel: the stage's fallback path (src/upscale/bicubic-native.ts loads it).
//
// Same filter as src/upscale/bicubic.ts: Keys cubic (a = -0.5), pixel-centre aligned
// (source = (dst + 0.5) * src/dst - 0.5), edges clamped, 14-bit fixed-point weights whose
// groups of 4 sum to exactly 2^14. Separable, horizontal first: that pass reads uint8 and keeps
// 6 fractional bits in int16; the vertical pass, which writes the most samples, runs over
// contiguous rows with one set of 4 weights per row. Horizontal rows are made on demand into a
// ring of 8 rows, so the intermediate stays in L1/L2 even at 4K. On x86-64 both passes have AVX2
// versions (pmaddwd on interleaved pairs; bit-identical to the scalar code), chosen at run time.
// Tables and the ring are per thread, so the addon is safe in worker threads too.
#include "kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define UPREZ_X86 1
#endif

namespace uprez {
namespace {

constexpr int kWBits = 14;
constexpr int kOne = 1 << kWBits;
constexpr int kHShift = 8;                            // pass 1 keeps 14 - 8 = 6 fractional bits
constexpr int kHRound = 1 << (kHShift - 1);
constexpr int kVShift = kWBits + (kWBits - kHShift);  // pass 2 removes 14 + 6 bits
constexpr int kVRound = 1 << (kVShift - 1);
constexpr int kRing = 8;

double Cubic(double x) {
  const double ax = std::fabs(x);
  if (ax <= 1) return (1.5 * ax - 2.5) * ax * ax + 1;
  if (ax < 2) return ((-0.5 * ax + 2.5) * ax - 4) * ax + 2;
  return 0;
}

// KeysWeights quantizes the 4 taps at fraction t to integers summing to 2^14 (the largest absorbs the rounding).
void KeysWeights(double t, int16_t* out) {
  const double f[4] = {Cubic(1 + t), Cubic(t), Cubic(1 - t), Cubic(2 - t)};
  int sum = 0, big = 0;
  int q[4];
  for (int j = 0; j < 4; j++) {
    q[j] = static_cast<int>(std::lround(f[j] * kOne));
    sum += q[j];
    if (std::fabs(f[j]) > std::fabs(f[big])) big = j;
  }
  q[big] += kOne - sum;
  for (int j = 0; j < 4; j++) out[j] = static_cast<int16_t>(q[j]);
}

struct Taps {
  int src = 0, dst = 0, ratio = 0;
  std::vector<int32_t> idx;    // dst*4 clamped source indices
  std::vector<int16_t> w;      // dst*4 weights
  std::vector<int16_t> phase;  // integer ratio k: k phases * 5 weights over the window i-2..i+2
};

Taps BuildTaps(int src, int dst) {
  Taps t;
  t.src = src;
  t.dst = dst;
  t.idx.resize(static_cast<size_t>(dst) * 4);
  t.w.resize(static_cast<size_t>(dst) * 4);
  const double step = static_cast<double>(src) / dst;
  for (int d = 0; d < dst; d++) {
    const double s = (d + 0.5) * step - 0.5;
    const double fl = std::floor(s);
    const int i = static_cast<int>(fl);
    for (int j = 0; j < 4; j++) t.idx[d * 4 + j] = std::min(src - 1, std::max(0, i - 1 + j));
    KeysWeights(s - fl, &t.w[d * 4]);
  }
  t.ratio = dst % src == 0 ? dst / src : 0;
  if (t.ratio > 1) {
    const int k = t.ratio;
    t.phase.assign(static_cast<size_t>(k) * 5, 0);
    for (int p = 0; p < k; p++) {
      const double off = (p + 0.5) / k - 0.5;
      const double fl = std::floor(off);
      int16_t q[4];
      KeysWeights(off - fl, q);
      const int first = static_cast<int>(fl) + 1;  // window slot of tap 0 (slot 0 is i-2)
      for (int j = 0; j < 4; j++) t.phase[p * 5 + first + j] = q[j];
    }
  }
  return t;
}

struct ThreadState {
  std::map<uint64_t, std::unique_ptr<Taps>> taps;
  std::vector<int16_t> ring;
};

ThreadState& State() {
  static thread_local ThreadState state;
  return state;
}

const Taps& TapsFor(int src, int dst) {
  auto& m = State().taps;
  const uint64_t key = (static_cast<uint64_t>(src) << 32) | static_cast<uint32_t>(dst);
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(key, std::make_unique<Taps>(BuildTaps(src, dst))).first;
  return *it->second;
}

bool HasAvx2() {
#ifdef UPREZ_X86
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
#else
  return false;
#endif
}

// HorizontalSpan fills outputs [from, end) of one row from the tables (borders, any ratio).
void HorizontalSpan(const uint8_t* s, const Taps& tx, int16_t* o, int from, int end) {
  const int32_t* idx = tx.idx.data();
  const int16_t* w = tx.w.data();
  for (int x = from; x < end; x++) {
    const int k = x * 4;
    const int32_t v = w[k] * s[idx[k]] + w[k + 1] * s[idx[k + 1]] + w[k + 2] * s[idx[k + 2]] + w[k + 3] * s[idx[k + 3]];
    o[x] = static_cast<int16_t>((v + kHRound) >> kHShift);
  }
}

// HorizontalRatio: integer ratio K, output K*i+p reads source i-2..i+2 with phase p's weights,
// for source samples i in [from, to) (callers keep i-2..i+2 in range).
template <int K>
void HorizontalRatio(const uint8_t* s, const int16_t* ph, int16_t* o, int from, int to) {
  for (int i = from; i < to; i++) {
    const int32_t p0 = s[i - 2], p1 = s[i - 1], p2 = s[i], p3 = s[i + 1], p4 = s[i + 2];
    for (int p = 0; p < K; p++) {
      const int16_t* c = ph + p * 5;
      const int32_t v = c[0] * p0 + c[1] * p1 + c[2] * p2 + c[3] * p3 + c[4] * p4;
      o[K * i + p] = static_cast<int16_t>((v + kHRound) >> kHShift);
    }
  }
}

void VerticalRowScalar(const int16_t* r0, const int16_t* r1, const int16_t* r2, const int16_t* r3, const int16_t* w, uint8_t* out, int from, int n) {
  const int32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
  for (int x = from; x < n; x++) {
    int32_t v = (w0 * r0[x] + w1 * r1[x] + w2 * r2[x] + w3 * r3[x] + kVRound) >> kVShift;
    out[x] = static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
  }
}

#ifdef UPREZ_X86
__attribute__((target("avx2"))) inline __m256i PairWeights(int16_t a, int16_t b) {
  return _mm256_set1_epi32(static_cast<int32_t>(static_cast<uint16_t>(a) | (static_cast<uint32_t>(static_cast<uint16_t>(b)) << 16)));
}

// Dot4 is a0*x0 + a1*x1 + a2*x2 + a3*x3 over 16 int16 lanes, rounded and shifted, back in int16 in lane order.
template <int Shift>
__attribute__((target("avx2"))) inline __m256i Dot4(__m256i x0, __m256i x1, __m256i x2, __m256i x3, __m256i w01, __m256i w23) {
  const __m256i rnd = _mm256_set1_epi32(1 << (Shift - 1));
  __m256i lo = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w01), _mm256_madd_epi16(_mm256_unpacklo_epi16(x2, x3), w23));
  __m256i hi = _mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w01), _mm256_madd_epi16(_mm256_unpackhi_epi16(x2, x3), w23));
  lo = _mm256_srai_epi32(_mm256_add_epi32(lo, rnd), Shift);
  hi = _mm256_srai_epi32(_mm256_add_epi32(hi, rnd), Shift);
  return _mm256_packs_epi32(lo, hi);  // per-lane unpack then pack restores the element order
}

__attribute__((target("avx2"))) void VerticalRowAvx2(const int16_t* r0, const int16_t* r1, const int16_t* r2, const int16_t* r3, const int16_t* w, uint8_t* out, int n) {
  const __m256i w01 = PairWeights(w[0], w[1]), w23 = PairWeights(w[2], w[3]);
  int x = 0;
  for (; x + 32 <= n; x += 32) {
    __m256i p[2];
    for (int h = 0; h < 2; h++) {
      const int at = x + 16 * h;
      p[h] = Dot4<kVShift>(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(r0 + at)), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r1 + at)),
                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r2 + at)), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r3 + at)), w01, w23);
    }
    const __m256i bytes = _mm256_permute4x64_epi64(_mm256_packus_epi16(p[0], p[1]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + x), bytes);
  }
  VerticalRowScalar(r0, r1, r2, r3, w, out, x, n);
}

inline __attribute__((target("avx2"))) __m256i Widen(const uint8_t* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Horizontal2Avx2: the 2x pass for source samples i in [2, to), 16 at a time; returns where it stopped.
__attribute__((target("avx2"))) int Horizontal2Avx2(const uint8_t* s, const int16_t* ph, int16_t* o, int to) {
  const __m256i a01 = PairWeights(ph[0], ph[1]), a23 = PairWeights(ph[2], ph[3]);
  const __m256i b12 = PairWeights(ph[6], ph[7]), b34 = PairWeights(ph[8], ph[9]);
  int i = 2;
  for (; i + 16 <= to; i += 16) {
    const __m256i x0 = Widen(s + i - 2), x1 = Widen(s + i - 1), x2 = Widen(s + i), x3 = Widen(s + i + 1), x4 = Widen(s + i + 2);
    const __m256i even = Dot4<kHShift>(x0, x1, x2, x3, a01, a23);
    const __m256i odd = Dot4<kHShift>(x1, x2, x3, x4, b12, b34);
    const __m256i lo = _mm256_unpacklo_epi16(even, odd), hi = _mm256_unpackhi_epi16(even, odd);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 2 * i), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 2 * i + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
  }
  return i;
}
#endif

// HorizontalRow makes one intermediate row (dw int16) from one source row.
void HorizontalRow(const uint8_t* s, int sw, const Taps& tx, int16_t* o) {
  const int k = tx.ratio;
  if (sw < 5 || k < 2 || k > 4) {
    HorizontalSpan(s, tx, o, 0, tx.dst);
    return;
  }
  const int16_t* ph = tx.phase.data();
  HorizontalSpan(s, tx, o, 0, 2 * k);
  int i = 2;
#ifdef UPREZ_X86
  if (k == 2 && HasAvx2()) i = Horizontal2Avx2(s, ph, o, sw - 2);
#endif
  if (k == 2) HorizontalRatio<2>(s, ph, o, i, sw - 2);
  else if (k == 3) HorizontalRatio<3>(s, ph, o, i, sw - 2);
  else HorizontalRatio<4>(s, ph, o, i, sw - 2);
  HorizontalSpan(s, tx, o, k * (sw - 2), tx.dst);
}

}  // namespace

void ResizePlane(const uint8_t* src, int sw, int sh, uint8_t* dst, int dw, int dh) {
  const Taps& tx = TapsFor(sw, dw);
  const Taps& ty = TapsFor(sh, dh);
  auto& ring = State().ring;
  const size_t need = static_cast<size_t>(dw) * kRing;
  if (ring.size() < need) ring.resize(need);
  int tag[kRing];
  std::fill(tag, tag + kRing, -1);
  const bool avx2 = HasAvx2();
  const int16_t* rows[4];
  for (int y = 0; y < dh; y++) {
    const int32_t* ix = &ty.idx[static_cast<size_t>(y) * 4];
    // The 4 rows of one output are consecutive (clamped) source rows, so 8 ring slots never collide.
    for (int j = 0; j < 4; j++) {
      const int r = ix[j];
      int16_t* slot = ring.data() + static_cast<size_t>(r % kRing) * dw;
      if (tag[r % kRing] != r) {
        HorizontalRow(src + static_cast<size_t>(r) * sw, sw, tx, slot);
        tag[r % kRing] = r;
      }
      rows[j] = slot;
    }
    const int16_t* w = &ty.w[static_cast<size_t>(y) * 4];
    uint8_t* out = dst + static_cast<size_t>(y) * dw;
#ifdef UPREZ_X86
    if (avx2) {
      VerticalRowAvx2(rows[0], rows[1], rows[2], rows[3], w, out, dw);
      continue;
    }
#endif
    (void)avx2;
    VerticalRowScalar(rows[0], rows[1], rows[2], rows[3], w, out, 0, dw);
  }
}

const char* SimdLevel() {
#ifdef UPREZ_X86
  return HasAvx2() ? "avx2" : "sse2";
#else
  return "scalar";
#endif
}

}  // namespace uprez

// AVX2 + FMA build of the SR engine (compiled with -mavx2 -mfma; used when the CPU has no
// AVX-512). 8 floats per vector, 16 registers: blocks of 3 vectors x 4 output channels.
#include "sr_types.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <time.h>

namespace uprez_sr {
namespace {

constexpr char kName[] = "avx2";

double Clock() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct V {
  using R = __m256;
  static constexpr int L = 8, kPx8 = 0, kPx4 = 3, kPx4Small = 2, kPeakChains = 12;
  static R Load(const float* p) { return _mm256_loadu_ps(p); }
  static R Bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static R Fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R Add(R a, R b) { return _mm256_add_ps(a, b); }
  static R Relu(R v) { return _mm256_max_ps(v, _mm256_setzero_ps()); }
  static void Store(float* p, R v) { _mm256_storeu_ps(p, v); }
  // PeakLoop runs 12 independent FMA chains `iterations` times; returns a value that depends on all.
  static float PeakLoop(long iterations) {
    const R m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
    R a0 = _mm256_set1_ps(1.0f + 0),
      a1 = _mm256_set1_ps(1.0f + 1),
      a2 = _mm256_set1_ps(1.0f + 2),
      a3 = _mm256_set1_ps(1.0f + 3),
      a4 = _mm256_set1_ps(1.0f + 4),
      a5 = _mm256_set1_ps(1.0f + 5),
      a6 = _mm256_set1_ps(1.0f + 6),
      a7 = _mm256_set1_ps(1.0f + 7),
      a8 = _mm256_set1_ps(1.0f + 8),
      a9 = _mm256_set1_ps(1.0f + 9),
      a10 = _mm256_set1_ps(1.0f + 10),
      a11 = _mm256_set1_ps(1.0f + 11);
    for (long it = 0; it < iterations; it++) {
      a0 = _mm256_fmadd_ps(a0, m, c);
      a1 = _mm256_fmadd_ps(a1, m, c);
      a2 = _mm256_fmadd_ps(a2, m, c);
      a3 = _mm256_fmadd_ps(a3, m, c);
      a4 = _mm256_fmadd_ps(a4, m, c);
      a5 = _mm256_fmadd_ps(a5, m, c);
      a6 = _mm256_fmadd_ps(a6, m, c);
      a7 = _mm256_fmadd_ps(a7, m, c);
      a8 = _mm256_fmadd_ps(a8, m, c);
      a9 = _mm256_fmadd_ps(a9, m, c);
      a10 = _mm256_fmadd_ps(a10, m, c);
      a11 = _mm256_fmadd_ps(a11, m, c);
      __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    R s = a0;
    s = _mm256_add_ps(s, a1);
    s = _mm256_add_ps(s, a2);
    s = _mm256_add_ps(s, a3);
    s = _mm256_add_ps(s, a4);
    s = _mm256_add_ps(s, a5);
    s = _mm256_add_ps(s, a6);
    s = _mm256_add_ps(s, a7);
    s = _mm256_add_ps(s, a8);
    s = _mm256_add_ps(s, a9);
    s = _mm256_add_ps(s, a10);
    s = _mm256_add_ps(s, a11);
    return _mm_cvtss_f32(_mm256_castps256_ps128(s));
  }
  static __m256i Round(R v) {
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(255.f)));
  }
  // Zip2 interleaves two rows of n bytes (or int16) into 2n: out = a0 b0 a1 b1 ...
  static void Zip2(const uint8_t* a, const uint8_t* b, uint8_t* out, int n) {
    int x = 0;
    for (; x + 32 <= n; x += 32) {
      const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + x));
      const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + x));
      const __m256i lo = _mm256_unpacklo_epi8(va, vb), hi = _mm256_unpackhi_epi8(va, vb);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * x), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * x + 32), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    for (; x < n; x++) {
      out[2 * x] = a[x];
      out[2 * x + 1] = b[x];
    }
  }
  static void Zip2(const int16_t* a, const int16_t* b, int16_t* out, int n) {
    int x = 0;
    for (; x + 16 <= n; x += 16) {
      const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + x));
      const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + x));
      const __m256i lo = _mm256_unpacklo_epi16(va, vb), hi = _mm256_unpackhi_epi16(va, vb);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * x), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2 * x + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    for (; x < n; x++) {
      out[2 * x] = a[x];
      out[2 * x + 1] = b[x];
    }
  }
  // Quant: q = clamp(round_half_even(a + s), 0, 255); rq = q - the same of s alone (when asked).
  static void Quant(const float* a, const float* s, uint8_t* q, int16_t* rq) {
    const R sv = _mm256_loadu_ps(s);
    const __m256i t = Round(_mm256_add_ps(_mm256_loadu_ps(a), sv));
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q), _mm_packus_epi16(w, w));
    if (rq) {
      const __m256i d = _mm256_sub_epi32(t, Round(sv));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(rq), _mm_packs_epi32(_mm256_castsi256_si128(d), _mm256_extracti128_si256(d, 1)));
    }
  }
};

#include "sr_engine.h"

}  // namespace

extern const IsaOps kAvx2Ops = kOps;

}  // namespace uprez_sr
#endif

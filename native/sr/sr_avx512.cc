// AVX-512 build of the SR engine (this file alone is compiled with -mavx512f/bw/dq/vl -mfma;
// sr_net.cc calls it only when the CPU has them). 16 floats per vector, 32 registers: blocks of
// 3 vectors x 8 output channels (24 accumulators), or 6 x 4 for 4-channel layers.
#include "sr_types.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#include <time.h>

namespace uprez_sr {
namespace {

constexpr char kName[] = "avx512";

double Clock() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct V {
  using R = __m512;
  static constexpr int L = 16, kPx8 = 3, kPx4 = 6, kPx4Small = 3, kPeakChains = 16;
  static R Load(const float* p) { return _mm512_loadu_ps(p); }
  static R Bcast(const float* p) { return _mm512_set1_ps(*p); }
  static R Fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R Add(R a, R b) { return _mm512_add_ps(a, b); }
  static R Relu(R v) { return _mm512_max_ps(v, _mm512_setzero_ps()); }
  static void Store(float* p, R v) { _mm512_storeu_ps(p, v); }
  // PeakLoop runs 16 independent FMA chains `iterations` times; returns a value that depends on all.
  static float PeakLoop(long iterations) {
    const R m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
    R a0 = _mm512_set1_ps(1.0f + 0),
      a1 = _mm512_set1_ps(1.0f + 1),
      a2 = _mm512_set1_ps(1.0f + 2),
      a3 = _mm512_set1_ps(1.0f + 3),
      a4 = _mm512_set1_ps(1.0f + 4),
      a5 = _mm512_set1_ps(1.0f + 5),
      a6 = _mm512_set1_ps(1.0f + 6),
      a7 = _mm512_set1_ps(1.0f + 7),
      a8 = _mm512_set1_ps(1.0f + 8),
      a9 = _mm512_set1_ps(1.0f + 9),
      a10 = _mm512_set1_ps(1.0f + 10),
      a11 = _mm512_set1_ps(1.0f + 11),
      a12 = _mm512_set1_ps(1.0f + 12),
      a13 = _mm512_set1_ps(1.0f + 13),
      a14 = _mm512_set1_ps(1.0f + 14),
      a15 = _mm512_set1_ps(1.0f + 15);
    for (long it = 0; it < iterations; it++) {
      a0 = _mm512_fmadd_ps(a0, m, c);
      a1 = _mm512_fmadd_ps(a1, m, c);
      a2 = _mm512_fmadd_ps(a2, m, c);
      a3 = _mm512_fmadd_ps(a3, m, c);
      a4 = _mm512_fmadd_ps(a4, m, c);
      a5 = _mm512_fmadd_ps(a5, m, c);
      a6 = _mm512_fmadd_ps(a6, m, c);
      a7 = _mm512_fmadd_ps(a7, m, c);
      a8 = _mm512_fmadd_ps(a8, m, c);
      a9 = _mm512_fmadd_ps(a9, m, c);
      a10 = _mm512_fmadd_ps(a10, m, c);
      a11 = _mm512_fmadd_ps(a11, m, c);
      a12 = _mm512_fmadd_ps(a12, m, c);
      a13 = _mm512_fmadd_ps(a13, m, c);
      a14 = _mm512_fmadd_ps(a14, m, c);
      a15 = _mm512_fmadd_ps(a15, m, c);
      // Two statements: an asm takes at most 30 operands and each "+v" counts twice.
      __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7));
      __asm__ volatile("" : "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11), "+v"(a12), "+v"(a13), "+v"(a14), "+v"(a15));
    }
    R s = a0;
    s = _mm512_add_ps(s, a1);
    s = _mm512_add_ps(s, a2);
    s = _mm512_add_ps(s, a3);
    s = _mm512_add_ps(s, a4);
    s = _mm512_add_ps(s, a5);
    s = _mm512_add_ps(s, a6);
    s = _mm512_add_ps(s, a7);
    s = _mm512_add_ps(s, a8);
    s = _mm512_add_ps(s, a9);
    s = _mm512_add_ps(s, a10);
    s = _mm512_add_ps(s, a11);
    s = _mm512_add_ps(s, a12);
    s = _mm512_add_ps(s, a13);
    s = _mm512_add_ps(s, a14);
    s = _mm512_add_ps(s, a15);
    return _mm512_reduce_add_ps(s);
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
    const R lo = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.f);
    const R sv = _mm512_loadu_ps(s);
    const __m512i t = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_add_ps(_mm512_loadu_ps(a), sv), lo), hi));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtepi32_epi8(t));
    if (rq) {
      const __m512i b = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(sv, lo), hi));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(rq), _mm512_cvtepi32_epi16(_mm512_sub_epi32(t, b)));
    }
  }
};

#include "sr_engine.h"

}  // namespace

extern const IsaOps kAvx512Ops = kOps;

}  // namespace uprez_sr
#endif

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
  static constexpr int L = 16, kPx8 = 3, kPx4 = 6, kPeakChains = 16;
  static R Load(const float* p) { return _mm512_loadu_ps(p); }
  static R Bcast(const float* p) { return _mm512_set1_ps(*p); }
  static R Fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R Add(R a, R b) { return _mm512_add_ps(a, b); }
  static R Relu(R v) { return _mm512_max_ps(v, _mm512_setzero_ps()); }
  static void Store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static void Barrier(R* acc) {
    for (int i = 0; i < kPeakChains; i++) __asm__ volatile("" : "+v"(acc[i]));
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

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
  static constexpr int L = 8, kPx8 = 0, kPx4 = 3, kPeakChains = 12;
  static R Load(const float* p) { return _mm256_loadu_ps(p); }
  static R Bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static R Fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R Add(R a, R b) { return _mm256_add_ps(a, b); }
  static R Relu(R v) { return _mm256_max_ps(v, _mm256_setzero_ps()); }
  static void Store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void Barrier(R* acc) {
    for (int i = 0; i < kPeakChains; i++) __asm__ volatile("" : "+x"(acc[i]));
  }
  static __m256i Round(R v) {
    return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(255.f)));
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

// Portable build of the SR engine (one float per "vector"): any CPU, or UPREZ_SR_ISA=scalar.
// It runs the same pipeline as the SIMD builds, so it is also the readable reference.
#include <time.h>

#include <cmath>

#include "sr_types.h"

namespace uprez_sr {
namespace {

constexpr char kName[] = "scalar";

double Clock() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct V {
  using R = float;
  static constexpr int L = 1, kPx8 = 0, kPx4 = 4, kPx4Small = 4, kPeakChains = 8;
  static R Load(const float* p) { return *p; }
  static R Bcast(const float* p) { return *p; }
  static R Fma(R a, R b, R c) { return a * b + c; }
  static R Add(R a, R b) { return a + b; }
  static R Relu(R v) { return v > 0.f ? v : 0.f; }
  static void Store(float* p, R v) { *p = v; }
  static float PeakLoop(long iterations) {
    float a[kPeakChains];
    for (int i = 0; i < kPeakChains; i++) a[i] = 1.0f + i;
    for (long it = 0; it < iterations; it++) {
      for (int i = 0; i < kPeakChains; i++) a[i] = a[i] * 0.9999999f + 1e-7f;
    }
    float s = 0;
    for (int i = 0; i < kPeakChains; i++) s += a[i];
    return s;
  }
  template <class T>
  static void Zip2(const T* a, const T* b, T* out, int n) {
    for (int x = 0; x < n; x++) {
      out[2 * x] = a[x];
      out[2 * x + 1] = b[x];
    }
  }
  static int Round(float v) {
    v = v > 0.f ? v : 0.f;  // NaN goes to 0 as in the SIMD builds
    return static_cast<int>(std::nearbyint(v < 255.f ? v : 255.f));
  }
  static void Quant(const float* a, const float* s, uint8_t* q, int16_t* rq) {
    const int t = Round(*a + *s);
    *q = static_cast<uint8_t>(t);
    if (rq) *rq = static_cast<int16_t>(t - Round(*s));
  }
};

#include "sr_engine.h"

}  // namespace

extern const IsaOps kScalarOps = kOps;

}  // namespace uprez_sr

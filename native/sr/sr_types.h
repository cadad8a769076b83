// uprez native SR kernel: plain data shared by the dispatcher (sr_net.cc) and the per-ISA engines
// (sr_avx512.cc, sr_avx2.cc, sr_scalar.cc). Nothing here has code: each ISA translation unit is
// compiled with its own -m flags, and an inline function defined in two of them could be merged
// by the linker into the wrong one (AVX-512 code run on an AVX2 CPU).
#pragma once
#include <cstddef>
#include <cstdint>

namespace uprez_sr {

constexpr int kMaxLayers = 16;
constexpr int kMaxChannels = 64;

// PLayer is one prepared conv: weights packed for the engine, biases padded to coutPad.
// Packed layout: for each block of `cb` output channels: [ci][ky][kx][cb] (zeros past cout).
struct PLayer {
  int cin = 0, cout = 0, coutPad = 0, k = 0, cb = 0;
  bool relu = false;
  // How the consumer of this conv's INPUT pads it: edge replication (true) or zeros (false).
  bool edge = false;
  const float* w = nullptr;
  const float* b = nullptr;
};

// PNet is a prepared network: body convs (the first takes the 1-channel input, the last gives
// scale^2 channels), an optional 1-channel skip conv added to the body's output, then the pixel
// shuffle, rounding (half to even) and clamping to 0..255. Input and output scaling are folded
// into the weights: the engine reads uint8 values as floats and the sum is in grey levels.
struct PNet {
  int scale = 0;
  int n = 0;
  PLayer layer[kMaxLayers];
  bool hasSkip = false;
  PLayer skip;
};

// Region is one call's geometry: the full LR plane (W x H) and the LR rectangle to produce.
struct Region {
  const uint8_t* src = nullptr;
  int W = 0, H = 0;
  int x0 = 0, y0 = 0, rw = 0, rh = 0;
  uint8_t* dst = nullptr;         // HR output of the rectangle, top-left
  ptrdiff_t dstStride = 0;        // bytes per HR row
  int16_t* res = nullptr;         // optional: HR output minus the skip alone, rounded and clamped alike
  ptrdiff_t resStride = 0;        // int16 elements per HR row
};

// IsaOps is one engine: its name, vector width, the output-channel block it wants per layer,
// the scratch a region of width rw needs (floats, 64-byte aligned by the caller), the run, and
// an FMA throughput probe (GMAC/s of fp32 multiply-accumulates on one thread).
struct IsaOps {
  const char* name;
  int lanes;
  int (*blockFor)(int cout);
  size_t (*scratchFloats)(const PNet& net, int rw);
  void (*run)(const PNet& net, const Region& r, float* scratch);
  double (*fmaPeak)(long iterations, double* seconds);
};

extern const IsaOps kScalarOps;
#if defined(__x86_64__) || defined(_M_X64)
extern const IsaOps kAvx2Ops;
extern const IsaOps kAvx512Ops;
#endif

}  // namespace uprez_sr

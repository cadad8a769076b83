// uprez native SR network (pure C++, no Node): validates a network description, folds the
// input/output scaling into its weights, packs them for the chosen instruction set, and runs
// whole frames (as strips) or rectangles of a frame. See sr_engine.h for how.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sr_types.h"

namespace uprez_sr {

// ConvSpec is one conv as the model holds it: weights [cout][cin][k][k], bias [cout].
struct ConvSpec {
  int cin = 0, cout = 0, k = 0;
  bool relu = false;
  bool edge = false;  // the conv pads its input by edge replication (else zeros)
  std::vector<float> w, b;
};

// NetSpec is a whole network: y = clamp(round(outScale * (body(x) + skip(x))), 0, 255) pixel-shuffled
// by `scale`, where x = inScale * the uint8 input.
struct NetSpec {
  int scale = 0;
  float inScale = 1.f, outScale = 1.f;
  std::vector<ConvSpec> body;
  bool hasSkip = false;
  ConvSpec skip;
};

// IsaByName returns the engine with that name if this CPU runs it ("avx512", "avx2", "scalar"), else null.
const IsaOps* IsaByName(const std::string& name);

// BestIsa returns the fastest engine this CPU runs.
const IsaOps* BestIsa();

// Net is one prepared network bound to one engine. Not thread-safe: one per worker thread.
class Net {
 public:
  // Create checks the spec; on failure returns null and says why in *err.
  static std::unique_ptr<Net> Create(const NetSpec& spec, const IsaOps* isa, std::string* err);

  // Frame upscales the whole W x H plane into dst (W*s x H*s), in strips of stripWidth columns
  // (0: as wide as keeps every layer's rows within half the L2 cache; see AutoStripWidth).
  void Frame(const uint8_t* src, int W, int H, uint8_t* dst, int stripWidth);

  // AutoStripWidth is the strip width Frame uses for stripWidth 0 on a W-wide frame.
  int AutoStripWidth(int W) const;

  // RunRegion produces one rectangle (bounds checked by the caller).
  void RunRegion(const Region& r);

  int scale() const { return net_.scale; }
  // Radius is the receptive radius in LR pixels: how far outside a rectangle its output looks.
  int radius() const;
  const IsaOps& isa() const { return *isa_; }

 private:
  Net() = default;
  float* Scratch(int rw);

  const IsaOps* isa_ = nullptr;
  PNet net_;
  std::vector<float> weights_;
  std::vector<float> scratch_;
};

}  // namespace uprez_sr

// uprez native SR network: spec checks, weight folding and packing, engine dispatch, strips.
#include "sr_net.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <unistd.h>

namespace uprez_sr {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
bool HasAvx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}
bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

bool Fail(std::string* err, const std::string& why) {
  *err = why;
  return false;
}

bool CheckConv(const ConvSpec& c, const char* what, std::string* err) {
  if (c.k != 3 && c.k != 5) return Fail(err, std::string(what) + ": kernel " + std::to_string(c.k) + " (3 or 5 supported)");
  if (c.cin < 1 || c.cout < 1 || c.cin > kMaxChannels || c.cout > kMaxChannels) {
    return Fail(err, std::string(what) + ": channels must be 1.." + std::to_string(kMaxChannels));
  }
  const size_t n = static_cast<size_t>(c.cout) * c.cin * c.k * c.k;
  if (c.w.size() != n || c.b.size() != static_cast<size_t>(c.cout)) return Fail(err, std::string(what) + ": weight or bias size does not match its shape");
  for (float v : c.w) {
    if (!std::isfinite(v)) return Fail(err, std::string(what) + ": non-finite weight");
  }
  for (float v : c.b) {
    if (!std::isfinite(v)) return Fail(err, std::string(what) + ": non-finite bias");
  }
  return true;
}

// CacheBudget is what a strip's rows of every layer may take: half the L2 (the other half for the
// input plane, the output rows and the weights), 512 KB when the OS does not say.
size_t CacheBudget() {
  static const size_t budget = [] {
    const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l2 > 0 ? static_cast<size_t>(l2) / 2 : static_cast<size_t>(512 * 1024);
  }();
  return budget;
}

}  // namespace

const IsaOps* IsaByName(const std::string& name) {
  if (name == "scalar") return &kScalarOps;
#if defined(__x86_64__) || defined(_M_X64)
  if (name == "avx2" && HasAvx2()) return &kAvx2Ops;
  if (name == "avx512" && HasAvx512()) return &kAvx512Ops;
#endif
  return nullptr;
}

const IsaOps* BestIsa() {
#if defined(__x86_64__) || defined(_M_X64)
  if (HasAvx512()) return &kAvx512Ops;
  if (HasAvx2()) return &kAvx2Ops;
#endif
  return &kScalarOps;
}

std::unique_ptr<Net> Net::Create(const NetSpec& spec, const IsaOps* isa, std::string* err) {
  const int n = static_cast<int>(spec.body.size());
  if (spec.scale < 1 || spec.scale > 4) return Fail(err, "scale must be 1..4"), nullptr;
  if (n < 1 || n > kMaxLayers) return Fail(err, "the body must have 1.." + std::to_string(kMaxLayers) + " convs"), nullptr;
  if (!std::isfinite(spec.inScale) || !std::isfinite(spec.outScale)) return Fail(err, "non-finite scaling"), nullptr;
  for (int l = 0; l < n; l++) {
    const ConvSpec& c = spec.body[l];
    const std::string what = "conv " + std::to_string(l + 1);
    if (!CheckConv(c, what.c_str(), err)) return nullptr;
    if (c.cin != (l == 0 ? 1 : spec.body[l - 1].cout)) return Fail(err, what + ": input channels do not follow the previous conv"), nullptr;
  }
  const int phases = spec.scale * spec.scale;
  if (spec.body[n - 1].cout != phases) return Fail(err, "the last conv must give scale^2 channels"), nullptr;
  if (spec.hasSkip) {
    if (!CheckConv(spec.skip, "skip", err)) return nullptr;
    if (spec.skip.cin != 1 || spec.skip.cout != phases) return Fail(err, "skip: must map 1 channel to scale^2"), nullptr;
  }
  std::unique_ptr<Net> net(new Net());
  net->isa_ = isa;
  PNet& p = net->net_;
  p.scale = spec.scale;
  p.n = n;
  p.hasSkip = spec.hasSkip;
  // Fold the scaling: x = inScale * u8 enters only the first conv (and the skip); the output
  // multiplier scales the last conv and the skip, so the engine works in grey levels throughout.
  std::vector<ConvSpec> convs(spec.body);
  if (spec.hasSkip) convs.push_back(spec.skip);
  for (float& v : convs[0].w) v *= spec.inScale;
  for (float& v : convs[n - 1].w) v *= spec.outScale;
  for (float& v : convs[n - 1].b) v *= spec.outScale;
  if (spec.hasSkip) {
    for (float& v : convs[n].w) v *= spec.inScale * spec.outScale;
    for (float& v : convs[n].b) v *= spec.outScale;
  }
  // Pack: for each block of cb output channels, [ci][ky][kx][cb], zeros past cout.
  std::vector<size_t> wOff, bOff;
  std::vector<int> cbs;
  size_t total = 0;
  for (const ConvSpec& c : convs) {
    const int cb = isa->blockFor(c.cout);
    const int coutPad = (c.cout + cb - 1) / cb * cb;
    cbs.push_back(cb);
    wOff.push_back(total);
    total += static_cast<size_t>(coutPad) * c.cin * c.k * c.k;
    bOff.push_back(total);
    total += coutPad;
  }
  net->weights_.assign(total, 0.f);
  for (size_t i = 0; i < convs.size(); i++) {
    const ConvSpec& c = convs[i];
    const int cb = cbs[i], kk = c.k * c.k;
    float* w = net->weights_.data() + wOff[i];
    for (int co = 0; co < c.cout; co++) {
      const int blk = co / cb, lane = co % cb;
      for (int ci = 0; ci < c.cin; ci++) {
        for (int t = 0; t < kk; t++) w[((static_cast<size_t>(blk) * c.cin + ci) * kk + t) * cb + lane] = c.w[(static_cast<size_t>(co) * c.cin + ci) * kk + t];
      }
      net->weights_[bOff[i] + co] = c.b[co];
    }
    PLayer& ly = i < static_cast<size_t>(n) ? p.layer[i] : p.skip;
    ly.cin = c.cin;
    ly.cout = c.cout;
    ly.cb = cb;
    ly.coutPad = (c.cout + cb - 1) / cb * cb;
    ly.k = c.k;
    ly.relu = c.relu;
    ly.edge = c.edge;
    ly.w = w;
    ly.b = net->weights_.data() + bOff[i];
  }
  return net;
}

int Net::radius() const {
  int r = 0;
  for (int l = 0; l < net_.n; l++) r += net_.layer[l].k / 2;
  return std::max(r, net_.hasSkip ? net_.skip.k / 2 : 0);
}

float* Net::Scratch(int rw) {
  const size_t need = isa_->scratchFloats(net_, rw) + 16;
  if (scratch_.size() < need) scratch_.assign(need, 0.f);
  const uintptr_t a = reinterpret_cast<uintptr_t>(scratch_.data());
  return scratch_.data() + ((64 - (a & 63)) & 63) / sizeof(float);
}

void Net::RunRegion(const Region& r) {
  // A wide rectangle runs as column chunks no wider than a cache-sized strip: the same output
  // (every chunk reads its own halo from the frame), bounded scratch, rows that stay cached.
  const int chunk = AutoStripWidth(r.W);
  if (r.rw <= chunk) {
    isa_->run(net_, r, Scratch(r.rw));
    return;
  }
  const int pieces = (r.rw + chunk - 1) / chunk, base = r.rw / pieces, extra = r.rw % pieces;
  int x = 0;
  for (int k = 0; k < pieces; k++) {
    Region c = r;
    c.x0 = r.x0 + x;
    c.rw = base + (k < extra ? 1 : 0);
    c.dst = r.dst + static_cast<ptrdiff_t>(x) * net_.scale;
    if (r.res) c.res = r.res + static_cast<ptrdiff_t>(x) * net_.scale;
    isa_->run(net_, c, Scratch(c.rw));
    x += c.rw;
  }
}

int Net::AutoStripWidth(int W) const {
  // Bytes per column of the region's buffers, from the engine's own scratch layout at a wide strip.
  const double perColumn = static_cast<double>(isa_->scratchFloats(net_, 4096)) * sizeof(float) / 4096;
  const int fit = static_cast<int>(static_cast<double>(CacheBudget()) / perColumn);
  return std::max(std::min(fit, W), 64);
}

void Net::Frame(const uint8_t* src, int W, int H, uint8_t* dst, int stripWidth) {
  const int sw = stripWidth > 0 ? stripWidth : AutoStripWidth(W);
  // Equal strips: no sliver of a few columns paying a whole halo.
  const int strips = (W + sw - 1) / sw, base = W / strips, extra = W % strips;
  int x0 = 0;
  for (int k = 0; k < strips; k++) {
    Region r;
    r.src = src;
    r.W = W;
    r.H = H;
    r.x0 = x0;
    r.y0 = 0;
    r.rw = base + (k < extra ? 1 : 0);
    r.rh = H;
    r.dst = dst + static_cast<ptrdiff_t>(x0) * net_.scale;
    r.dstStride = static_cast<ptrdiff_t>(W) * net_.scale;
    RunRegion(r);
    x0 += r.rw;
  }
}

}  // namespace uprez_sr

// N-API glue for the native SR kernel. Every number and buffer from JavaScript is checked here
// (the network description too: Net::Create validates shapes), so a bad call throws a RangeError
// with code ERR_UPREZ_SR and never touches memory it should not.
//   isas() -> string[]                         engines this CPU runs, fastest first
//   create(spec, isa) -> handle                spec: { scale, inScale, outScale, body: Conv[], skip: Conv | null }
//                                              Conv: { cin, cout, k, relu, edge, weight: Float32Array, bias: Float32Array }
//   describe(handle) -> { isa, lanes, radius, scale, cacheStripWidth }   (the widest strip that stays in cache)
//   run(handle, src, w, h, dst, stripWidth)    whole frame: dst is (w*s) x (h*s); stripWidth 0: sized to the cache
//   runRegions(handle, src, w, h, rects, dst, residual|null)
//                                              rects: Int32Array of x, y, w, h per rectangle; outputs packed
//                                              one after another, each (w*s) x (h*s), residual likewise (int16)
//   fmaPeak(isa, iterations) -> { gmacs, seconds }
#include <node_api.h>

#include <memory>
#include <string>
#include <vector>

#include "sr_net.h"

namespace {

using uprez_sr::ConvSpec;
using uprez_sr::Net;
using uprez_sr::NetSpec;

constexpr int64_t kMaxSide = 1 << 15;

bool Throw(napi_env env, const std::string& msg) {
  napi_throw_range_error(env, "ERR_UPREZ_SR", msg.c_str());
  return false;
}

bool Int(napi_env env, napi_value v, int64_t* out, const char* what) {
  napi_valuetype t;
  double d = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || d != static_cast<double>(static_cast<int64_t>(d))) {
    return Throw(env, std::string(what) + " must be an integer");
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool Num(napi_env env, napi_value v, double* out, const char* what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, out) != napi_ok) return Throw(env, std::string(what) + " must be a number");
  return true;
}

bool Bool(napi_env env, napi_value v, bool* out, const char* what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean || napi_get_value_bool(env, v, out) != napi_ok) return Throw(env, std::string(what) + " must be a boolean");
  return true;
}

bool Typed(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* len, const char* what) {
  bool is = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, len, data, nullptr, nullptr) != napi_ok || type != want) {
    return Throw(env, std::string(what) + " has the wrong type");
  }
  return true;
}

bool Prop(napi_env env, napi_value obj, const char* name, napi_value* out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has || napi_get_named_property(env, obj, name, out) != napi_ok) {
    return Throw(env, std::string("missing property ") + name);
  }
  return true;
}

bool ReadConv(napi_env env, napi_value obj, ConvSpec* c) {
  napi_value v;
  int64_t cin, cout, k;
  void* data = nullptr;
  size_t len = 0;
  if (!Prop(env, obj, "cin", &v) || !Int(env, v, &cin, "cin") || !Prop(env, obj, "cout", &v) || !Int(env, v, &cout, "cout") ||
      !Prop(env, obj, "k", &v) || !Int(env, v, &k, "k") || !Prop(env, obj, "relu", &v) || !Bool(env, v, &c->relu, "relu") ||
      !Prop(env, obj, "edge", &v) || !Bool(env, v, &c->edge, "edge")) {
    return false;
  }
  if (cin < 1 || cin > uprez_sr::kMaxChannels || cout < 1 || cout > uprez_sr::kMaxChannels || k < 1 || k > 7) return Throw(env, "conv shape out of range");
  c->cin = static_cast<int>(cin);
  c->cout = static_cast<int>(cout);
  c->k = static_cast<int>(k);
  if (!Prop(env, obj, "weight", &v) || !Typed(env, v, napi_float32_array, &data, &len, "weight")) return false;
  c->w.assign(static_cast<float*>(data), static_cast<float*>(data) + len);
  if (!Prop(env, obj, "bias", &v) || !Typed(env, v, napi_float32_array, &data, &len, "bias")) return false;
  c->b.assign(static_cast<float*>(data), static_cast<float*>(data) + len);
  return true;
}

void Finalize(napi_env, void* data, void*) { delete static_cast<Net*>(data); }

Net* Handle(napi_env env, napi_value v) {
  napi_valuetype t;
  void* p = nullptr;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok || !p) {
    Throw(env, "expected a network handle from create()");
    return nullptr;
  }
  return static_cast<Net*>(p);
}

napi_value Isas(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t i = 0;
  for (const char* name : {"avx512", "avx2", "scalar"}) {
    if (!uprez_sr::IsaByName(name)) continue;
    napi_value s;
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, i++, s);
  }
  return arr;
}

bool IsaArg(napi_env env, napi_value v, const uprez_sr::IsaOps** out) {
  char buf[16];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, buf, sizeof buf, &n) != napi_ok) return Throw(env, "isa must be a string");
  *out = uprez_sr::IsaByName(std::string(buf, n));
  if (!*out) return Throw(env, std::string("instruction set ") + std::string(buf, n) + " is not available on this CPU");
  return true;
}

napi_value Create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2) return Throw(env, "create takes 2 arguments"), nullptr;
  const uprez_sr::IsaOps* isa = nullptr;
  if (!IsaArg(env, argv[1], &isa)) return nullptr;
  NetSpec spec;
  napi_value v, body, skip;
  int64_t scale;
  double in, out;
  if (!Prop(env, argv[0], "scale", &v) || !Int(env, v, &scale, "scale") || !Prop(env, argv[0], "inScale", &v) || !Num(env, v, &in, "inScale") ||
      !Prop(env, argv[0], "outScale", &v) || !Num(env, v, &out, "outScale") || !Prop(env, argv[0], "body", &body) || !Prop(env, argv[0], "skip", &skip)) {
    return nullptr;
  }
  if (scale < 1 || scale > 4) return Throw(env, "scale must be 1..4"), nullptr;
  spec.scale = static_cast<int>(scale);
  spec.inScale = static_cast<float>(in);
  spec.outScale = static_cast<float>(out);
  bool isArr = false;
  uint32_t n = 0;
  if (napi_is_array(env, body, &isArr) != napi_ok || !isArr || napi_get_array_length(env, body, &n) != napi_ok || n < 1 || n > uprez_sr::kMaxLayers) {
    return Throw(env, "body must be an array of 1..16 convs"), nullptr;
  }
  spec.body.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value c;
    if (napi_get_element(env, body, i, &c) != napi_ok || !ReadConv(env, c, &spec.body[i])) return nullptr;
  }
  napi_valuetype st;
  napi_typeof(env, skip, &st);
  spec.hasSkip = st != napi_null && st != napi_undefined;
  if (spec.hasSkip && !ReadConv(env, skip, &spec.skip)) return nullptr;
  std::string err;
  std::unique_ptr<Net> net = Net::Create(spec, isa, &err);
  if (!net) return Throw(env, "network not supported: " + err), nullptr;
  napi_value ext;
  if (napi_create_external(env, net.get(), Finalize, nullptr, &ext) != napi_ok) return Throw(env, "could not wrap the network"), nullptr;
  net.release();
  return ext;
}

napi_value Describe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 1) return Throw(env, "describe takes 1 argument"), nullptr;
  Net* net = Handle(env, argv[0]);
  if (!net) return nullptr;
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, net->isa().name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "isa", v);
  napi_create_int32(env, net->isa().lanes, &v);
  napi_set_named_property(env, o, "lanes", v);
  napi_create_int32(env, net->radius(), &v);
  napi_set_named_property(env, o, "radius", v);
  napi_create_int32(env, net->scale(), &v);
  napi_set_named_property(env, o, "scale", v);
  napi_create_int32(env, net->AutoStripWidth(static_cast<int>(kMaxSide)), &v);
  napi_set_named_property(env, o, "cacheStripWidth", v);
  return o;
}

// Plane reads src (w*h bytes) and checks the frame size.
bool Plane(napi_env env, napi_value* argv, Net** net, const uint8_t** src, int64_t* w, int64_t* h) {
  *net = Handle(env, argv[0]);
  if (!*net) return false;
  void* data = nullptr;
  size_t len = 0;
  if (!Typed(env, argv[1], napi_uint8_array, &data, &len, "src") || !Int(env, argv[2], w, "width") || !Int(env, argv[3], h, "height")) return false;
  if (*w < 1 || *h < 1 || *w > kMaxSide || *h > kMaxSide) return Throw(env, "frame sides must be 1..32768");
  if (static_cast<uint64_t>(*w) * static_cast<uint64_t>(*h) > len) return Throw(env, "src is smaller than width*height");
  *src = static_cast<const uint8_t*>(data);
  return true;
}

napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 6) return Throw(env, "run takes 6 arguments"), nullptr;
  Net* net;
  const uint8_t* src;
  int64_t w, h, strip;
  void* data = nullptr;
  size_t len = 0;
  if (!Plane(env, argv, &net, &src, &w, &h) || !Typed(env, argv[4], napi_uint8_array, &data, &len, "dst") || !Int(env, argv[5], &strip, "stripWidth")) return nullptr;
  const uint64_t s = net->scale();
  if (static_cast<uint64_t>(w) * s * static_cast<uint64_t>(h) * s > len) return Throw(env, "dst is smaller than the upscaled frame"), nullptr;
  if (strip < 0 || strip > kMaxSide) return Throw(env, "stripWidth must be 0..32768"), nullptr;
  net->Frame(src, static_cast<int>(w), static_cast<int>(h), static_cast<uint8_t*>(data), static_cast<int>(strip));
  return nullptr;
}

napi_value RunRegions(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 7) return Throw(env, "runRegions takes 7 arguments"), nullptr;
  Net* net;
  const uint8_t* src;
  int64_t w, h;
  void *rp = nullptr, *dp = nullptr, *ep = nullptr;
  size_t rlen = 0, dlen = 0, elen = 0;
  if (!Plane(env, argv, &net, &src, &w, &h) || !Typed(env, argv[4], napi_int32_array, &rp, &rlen, "rects") ||
      !Typed(env, argv[5], napi_uint8_array, &dp, &dlen, "dst")) {
    return nullptr;
  }
  napi_valuetype et;
  napi_typeof(env, argv[6], &et);
  const bool wantRes = et != napi_null && et != napi_undefined;
  if (wantRes && !Typed(env, argv[6], napi_int16_array, &ep, &elen, "residual")) return nullptr;
  if (rlen % 4 != 0) return Throw(env, "rects must hold x, y, w, h per rectangle"), nullptr;
  const int32_t* rects = static_cast<const int32_t*>(rp);
  const uint64_t s = net->scale();
  uint64_t need = 0;
  for (size_t i = 0; i < rlen; i += 4) {
    const int64_t x = rects[i], y = rects[i + 1], rw = rects[i + 2], rh = rects[i + 3];
    if (x < 0 || y < 0 || rw < 1 || rh < 1 || x + rw > w || y + rh > h) return Throw(env, "rectangle " + std::to_string(i / 4) + " is not inside the frame"), nullptr;
    need += static_cast<uint64_t>(rw) * s * static_cast<uint64_t>(rh) * s;
  }
  if (need > dlen) return Throw(env, "dst is smaller than the rectangles' outputs"), nullptr;
  if (wantRes && need > elen) return Throw(env, "residual is smaller than the rectangles' outputs"), nullptr;
  uint64_t off = 0;
  for (size_t i = 0; i < rlen; i += 4) {
    uprez_sr::Region r;
    r.src = src;
    r.W = static_cast<int>(w);
    r.H = static_cast<int>(h);
    r.x0 = rects[i];
    r.y0 = rects[i + 1];
    r.rw = rects[i + 2];
    r.rh = rects[i + 3];
    r.dst = static_cast<uint8_t*>(dp) + off;
    r.dstStride = static_cast<ptrdiff_t>(r.rw * s);
    if (wantRes) {
      r.res = static_cast<int16_t*>(ep) + off;
      r.resStride = r.dstStride;
    }
    net->RunRegion(r);
    off += static_cast<uint64_t>(r.rw) * s * static_cast<uint64_t>(r.rh) * s;
  }
  return nullptr;
}

napi_value FmaPeak(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 2) return Throw(env, "fmaPeak takes 2 arguments"), nullptr;
  const uprez_sr::IsaOps* isa = nullptr;
  int64_t iters;
  if (!IsaArg(env, argv[0], &isa) || !Int(env, argv[1], &iters, "iterations")) return nullptr;
  if (iters < 1 || iters > (int64_t{1} << 34)) return Throw(env, "iterations must be 1..2^34"), nullptr;
  double seconds = 0;
  const double gmacs = isa->fmaPeak(static_cast<long>(iters), &seconds);
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_double(env, gmacs, &v);
  napi_set_named_property(env, o, "gmacs", v);
  napi_create_double(env, seconds, &v);
  napi_set_named_property(env, o, "seconds", v);
  return o;
}

}  // namespace

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
      {"isas", nullptr, Isas, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"describe", nullptr, Describe, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"runRegions", nullptr, RunRegions, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fmaPeak", nullptr, FmaPeak, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return nullptr;
  return exports;
}

// N-API glue for the native bicubic kernel: resize(src, srcOffset, sw, sh, dst, dstOffset, dw, dh)
// on one plane, every bound checked here (JavaScript's numbers are never trusted), and `simd`.
#include <node_api.h>

#include "kernel.h"

namespace {

bool Throw(napi_env env, const char* msg) {
  napi_throw_range_error(env, "ERR_UPREZ_BICUBIC", msg);
  return false;
}

bool Int(napi_env env, napi_value v, int64_t* out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_int64(env, v, out) != napi_ok) return Throw(env, "expected an integer argument");
  return true;
}

bool Bytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is = false;
  napi_typedarray_type type;
  void* p = nullptr;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, len, &p, nullptr, nullptr) != napi_ok ||
      type != napi_uint8_array) {
    return Throw(env, "expected a Uint8Array");
  }
  *data = static_cast<uint8_t*>(p);
  return true;
}

napi_value Resize(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 8) {
    Throw(env, "resize takes 8 arguments");
    return nullptr;
  }
  uint8_t *src = nullptr, *dst = nullptr;
  size_t srcLen = 0, dstLen = 0;
  int64_t so, sw, sh, dof, dw, dh;
  if (!Bytes(env, argv[0], &src, &srcLen) || !Int(env, argv[1], &so) || !Int(env, argv[2], &sw) || !Int(env, argv[3], &sh) ||
      !Bytes(env, argv[4], &dst, &dstLen) || !Int(env, argv[5], &dof) || !Int(env, argv[6], &dw) || !Int(env, argv[7], &dh)) {
    return nullptr;
  }
  constexpr int64_t kMax = 1 << 20;
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || sw >= kMax || sh >= kMax || dw >= kMax || dh >= kMax) {
    Throw(env, "plane sizes must be 1..2^20-1");
    return nullptr;
  }
  if (so < 0 || dof < 0 || static_cast<uint64_t>(so) + static_cast<uint64_t>(sw * sh) > srcLen ||
      static_cast<uint64_t>(dof) + static_cast<uint64_t>(dw * dh) > dstLen) {
    Throw(env, "plane does not fit its buffer");
    return nullptr;
  }
  uprez::ResizePlane(src + so, static_cast<int>(sw), static_cast<int>(sh), dst + dof, static_cast<int>(dw), static_cast<int>(dh));
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn, simd;
  if (napi_create_function(env, "resize", NAPI_AUTO_LENGTH, Resize, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "resize", fn) != napi_ok) return nullptr;
  if (napi_create_string_utf8(env, uprez::SimdLevel(), NAPI_AUTO_LENGTH, &simd) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "simd", simd) != napi_ok) return nullptr;
  return exports;
}

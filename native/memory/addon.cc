// uprez memory addon: makes freed frame-sized memory go back to the operating system.
//
// glibc's malloc serves a request above M_MMAP_THRESHOLD with its own mmap (unmapped again on
// free); below it, from heaps that keep freed memory for reuse. The threshold starts at 128 KiB
// but rises to the size of any mmapped block that is freed (up to 32 MiB), so after the first
// frame buffers of a stream come and go, later ones (1-6 MB) are carved out of heaps and a
// server that ran a 720p stream stayed at ~500 MB with nothing running. Setting the threshold
// fixes it (no more dynamic rise): frame-sized blocks are mmapped and returned when freed.
// trim() asks glibc to give back what its heaps hold free (after a stream ends).
// Elsewhere (musl, macOS) both are no-ops that say so.
#include <node_api.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

napi_value Configure(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t threshold = 0;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc != 1 ||
      napi_get_value_int64(env, argv[0], &threshold) != napi_ok || threshold < 4096 || threshold > (64LL << 20)) {
    napi_throw_range_error(env, "ERR_UPREZ_MEMORY", "configure(threshold): threshold must be 4 KiB..64 MiB");
    return nullptr;
  }
#if defined(__GLIBC__)
  const bool ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(threshold)) == 1 &&
                  mallopt(M_TRIM_THRESHOLD, static_cast<int>(threshold * 2)) == 1;
#else
  const bool ok = false;
#endif
  napi_get_boolean(env, ok, &result);
  return result;
}

napi_value Trim(napi_env env, napi_callback_info) {
  napi_value result;
#if defined(__GLIBC__)
  const bool released = malloc_trim(0) == 1;
#else
  const bool released = false;
#endif
  napi_get_boolean(env, released, &result);
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value configure, trim, glibc;
  if (napi_create_function(env, "configure", NAPI_AUTO_LENGTH, Configure, nullptr, &configure) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "configure", configure) != napi_ok) return nullptr;
  if (napi_create_function(env, "trim", NAPI_AUTO_LENGTH, Trim, nullptr, &trim) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "trim", trim) != napi_ok) return nullptr;
#if defined(__GLIBC__)
  napi_get_boolean(env, true, &glibc);
#else
  napi_get_boolean(env, false, &glibc);
#endif
  if (napi_set_named_property(env, exports, "glibc", glibc) != napi_ok) return nullptr;
  return exports;
}

// uprez native bicubic kernel (pure C++, no Node): see kernel.cc.
#pragma once
#include <cstdint>

namespace uprez {

// ResizePlane resizes one 8-bit plane sw x sh (row stride sw) to dw x dh (row stride dw).
// Sizes must be >= 1; the caller checks buffers.
void ResizePlane(const uint8_t* src, int sw, int sh, uint8_t* dst, int dw, int dh);

// SimdLevel names the instruction set the kernel uses on this CPU ("avx2", "sse2", "scalar").
const char* SimdLevel();

}  // namespace uprez

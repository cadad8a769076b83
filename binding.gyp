{
  "targets": [
    {
      "target_name": "uprez_bicubic",
      "sources": ["native/bicubic/kernel.cc", "native/bicubic/addon.cc"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-Wno-psabi"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "defines": ["NAPI_VERSION=8"]
    },
    {
      "target_name": "uprez_memory",
      "sources": ["native/memory/addon.cc"],
      "cflags_cc!": ["-O2"],
      "cflags_cc": ["-O2", "-std=c++17"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}

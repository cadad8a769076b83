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
    },
    {
      "target_name": "uprez_sr_avx512",
      "type": "static_library",
      "sources": ["native/sr/sr_avx512.cc"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-fPIC", "-Wno-psabi"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma", "-Wno-maybe-uninitialized", "-Wno-uninitialized"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma"] }
        }]
      ]
    },
    {
      "target_name": "uprez_sr_avx2",
      "type": "static_library",
      "sources": ["native/sr/sr_avx2.cc"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-fPIC", "-Wno-psabi"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "conditions": [
        ["target_arch=='x64'", {
          "cflags_cc": ["-mavx2", "-mfma"],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-mavx2", "-mfma"] }
        }]
      ]
    },
    {
      "target_name": "uprez_sr",
      "dependencies": ["uprez_sr_avx512", "uprez_sr_avx2"],
      "sources": ["native/sr/sr_scalar.cc", "native/sr/sr_net.cc", "native/sr/addon.cc"],
      "cflags_cc!": ["-O2", "-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-exceptions", "-Wno-psabi"],
      "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"] },
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}

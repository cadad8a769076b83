# syntax=docker/dockerfile:1
# uprez: multi-stage build. The runtime image has Debian's ffmpeg, production dependencies only,
# runs as the unprivileged `node` user, and reports health from /healthz.
#   CPU (default, last stage):  docker build -t uprez .
#   NVIDIA GPU (CUDA + NVENC):  docker build --target runtime-gpu -t uprez:gpu .   (linux/amd64)
ARG NODE_VERSION=20
# onnxruntime-node 1.2x/1.30's CUDA provider is built for CUDA 12.x with cuDNN 9. Ubuntu 24.04,
# not 22.04: its ffmpeg (6.1) takes the options the encoder uses (-ch_layout needs 5.1+), and its
# glibc (2.39) runs anything the bookworm build stage compiles (bookworm has 2.36, 22.04 2.35).
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

FROM node:${NODE_VERSION}-bookworm-slim AS build
# python3, make and g++ let npm ci build the native kernels (bicubic and SR; binding.gyp, native/) against
# the image's own Node headers (npm_config_nodedir), so node-gyp downloads nothing.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# onnxruntime-node's CUDA download is skipped (the CPU binaries ship inside the package):
# ONNXRUNTIME_NODE_INSTALL=skip, and package.json's allowScripts denies its script on npm 11.16+.
COPY package.json package-lock.json binding.gyp ./
COPY native ./native
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund && test -f build/Release/uprez_bicubic.node && test -f build/Release/uprez_memory.node && test -f build/Release/uprez_sr.node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# The CUDA execution provider's libraries are too large for npm: onnxruntime-node's install script
# fetches them (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux, same version) when told to; it is run
# directly, as allowScripts keeps npm from running it (script/install-utils.js parseInstallFlag).
FROM build AS build-gpu
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install && cd ../.. \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so

# GPU runtime: CUDA 12 + cuDNN 9 for onnxruntime's CUDA provider; Ubuntu's ffmpeg has h264_nvenc
# (it loads the driver's libnvidia-encode at run time, which the "video" capability mounts).
FROM ${CUDA_IMAGE} AS runtime-gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown 1000:1000 /data
# Node from the build stage: the official binary needs only glibc 2.28 and libstdc++.
COPY --from=build-gpu /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build-gpu /app/node_modules ./node_modules
COPY --from=build-gpu /app/dist ./dist
COPY --from=build-gpu /app/build/Release/uprez_bicubic.node /app/build/Release/uprez_memory.node /app/build/Release/uprez_sr.node ./build/Release/
COPY package.json ./
COPY models/*.onnx models/*.json ./models/
COPY player ./player
# The CUDA base image asks the NVIDIA runtime for compute and utility only; NVENC needs video too.
# CUDA's JIT cache goes to /tmp: the root file system is read-only in k8s (/tmp is a volume).
ENV NODE_ENV=production UPREZ_DATA_DIR=/data UPREZ_PROVIDER=cuda UPREZ_ENCODER=nvenc \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,video CUDA_CACHE_PATH=/tmp/cuda-cache
# uid 1000 (the image's `ubuntu` user), the same as `node` in the CPU image.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 1935 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.UPREZ_HTTP_PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]

# CPU runtime (the default target: it comes last).
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/build/Release/uprez_bicubic.node /app/build/Release/uprez_memory.node /app/build/Release/uprez_sr.node ./build/Release/
COPY package.json ./
COPY models/*.onnx models/*.json ./models/
COPY player ./player
ENV NODE_ENV=production UPREZ_DATA_DIR=/data
# The image's `node` user, by number: Kubernetes can only verify runAsNonRoot for a numeric USER.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 1935 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.UPREZ_HTTP_PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# uprez: multi-stage build. The runtime image has Debian's ffmpeg, production dependencies only,
# runs as the unprivileged `node` user, and reports health from /healthz.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# .npmrc skips onnxruntime-node's CUDA download: the CPU binaries ship inside the package.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY models/*.onnx models/*.json ./models/
COPY player ./player
ENV NODE_ENV=production UPREZ_DATA_DIR=/data
USER node
VOLUME ["/data"]
EXPOSE 1935 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.UPREZ_HTTP_PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# scripts/image-tree.mjs assembles the run stage's tree by the same steps; scripts/image.test.ts
# starts that tree as an unprivileged user (no container engine runs on the development machines).

# Build: compile TypeScript and generate the schema validators.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only (no tsx, esbuild, TypeScript or test tools), no install scripts.
FROM node:24.22.3-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Run: not root. The data folder (embedded store, $export files) belongs to the runtime user and is
# a volume; everything else is root's and read-only to the server.
FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/app/data EXPORT_DIR=/app/data/export
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/generated ./generated
COPY package.json ./
COPY profiles ./profiles
COPY capability ./capability
RUN mkdir -p /app/data/export && chown -R node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The engine flags of src/runtime.ts; node is PID 1's only process, so SIGTERM reaches the server.
CMD ["node", "--no-allocation-site-pretenuring", "--heap-growing-percent=200", "dist/src/main.js"]

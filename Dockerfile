# syntax=docker/dockerfile:1
# Build: compile TypeScript and generate the schema validators.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: production dependencies, compiled code, conformance package; no compilers, not root.
# The data folder (embedded store, $export files) belongs to the runtime user and is a volume.
# scripts/image-tree.mjs assembles the same tree (test/image.test.ts starts it as an unprivileged user).
FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/app/data EXPORT_DIR=/app/data/export
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
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
CMD ["node", "--no-allocation-site-pretenuring", "--heap-growing-percent=200", "dist/src/main.js"]

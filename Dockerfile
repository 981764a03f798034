# Build stage: the full toolchain compiles the TypeScript to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs its install script (README, Development), and `prepare`
# would build before the sources are here; the build runs explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY connectors ./connectors
COPY jobs ./jobs
COPY test/fakes ./test/fakes
# `build` also bundles the mapping studio's browser code (CodeMirror, devDependencies) into dist/studio.
RUN npm run build

# Run stage: production dependencies and compiled JavaScript only (no tsx, esbuild or TypeScript).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# valibot (bull-board's validator) names TypeScript an optional peer for its typings, and npm
# installs an optional peer the lock file holds even with --omit=dev; nothing loads it at run time
# (test/dist.int.test.ts makes it unloadable), so it is removed to keep the compiler out.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
  && rm -rf node_modules/typescript node_modules/.bin/tsc node_modules/.bin/tsserver
COPY bin ./bin
COPY config ./config
COPY --from=build /app/dist ./dist
# A heap cap keeps the worker's footprint flat (V8 otherwise grows it lazily), and a small young
# generation keeps transient garbage from inflating RSS (about 25 MB less for ~3% CPU); see README benchmark.
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4"
USER node
ENTRYPOINT ["node", "bin/referral-sync.js"]
CMD ["start"]

# The mapping studio's browser bundle (CodeMirror, devDependencies) is built here, so the image
# itself installs production dependencies only.
FROM node:20-bookworm-slim AS studio
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY jobs ./jobs
COPY src ./src
COPY connectors ./connectors
COPY tsconfig.json ./
RUN npm run build:studio

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY connectors ./connectors
COPY jobs ./jobs
COPY config ./config
COPY --from=studio /app/dist/studio ./dist/studio
COPY tsconfig.json ./
# A heap cap keeps the worker's footprint flat (V8 otherwise grows it lazily), and a small young
# generation keeps transient garbage from inflating RSS (about 25 MB less for ~3% CPU); see README benchmark.
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=4"
USER node
ENTRYPOINT ["node", "bin/referral-sync.js"]
CMD ["start"]

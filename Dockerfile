FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY connectors ./connectors
COPY jobs ./jobs
COPY config ./config
COPY tsconfig.json ./
# A heap cap keeps the worker's footprint flat (V8 otherwise grows it lazily); see README benchmark.
ENV NODE_OPTIONS=--max-old-space-size=192
USER node
ENTRYPOINT ["node", "bin/referral-sync.js"]
CMD ["start"]

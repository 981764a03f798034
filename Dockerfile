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
USER node
ENTRYPOINT ["node", "bin/referral-sync.js"]
CMD ["start"]

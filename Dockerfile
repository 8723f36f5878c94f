# Rampart worker and API (the same image; docker-compose.yml runs src/worker-main.ts and
# src/api-main.ts, what `npm run worker` and `npm run api` run).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm install --no-audit --no-fund
COPY tsconfig.json policy.yaml ./
COPY src ./src
# RAMPART_DATA_DIR (outbox without SMTP_URL): /app is root's, so the node user gets its own folder.
RUN mkdir -p /app/.rampart && chown node:node /app/.rampart
USER node
EXPOSE 8080
CMD ["node", "--import", "tsx", "src/main.ts"]

# Rampart worker and API (the same image; RAMPART_RUN selects the part).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm install --no-audit --no-fund
COPY tsconfig.json policy.yaml ./
COPY src ./src
USER node
EXPOSE 8080
CMD ["npx", "tsx", "src/main.ts"]

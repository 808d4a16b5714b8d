# The whiteboard server, on the official image of Node 24 (LTS).
FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN npm run build
ENV HOST=0.0.0.0 PORT=3000
EXPOSE 3000
# The server as `npm start` runs it: compiled by `npm run build`, no TypeScript loader at run time,
# V8's young generation capped at 2 MB a half (README, "Running it for real").
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "dist/server.mjs"]

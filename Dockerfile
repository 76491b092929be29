# teams-sync-controller: the controller daemon on Node 24 LTS.
# Node 24 strips TypeScript types natively (tsconfig enforces erasableSyntaxOnly), so the image
# runs the sources directly: no build step, no tsx at runtime.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && npm ci --omit=dev --no-audit --no-fund \
 && npx --yes node-gyp@13.1.0 rebuild --release --directory node_modules/better-sqlite3 \
 && rm -rf /var/lib/apt/lists/*

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY cmd ./cmd
COPY controllers ./controllers
COPY pkg ./pkg
COPY crds ./crds
# The state database (delta tokens, operation journal, presence log) is rebuildable; mount an
# emptyDir or a volume at /var/lib/teams-sync.
RUN mkdir -p /var/lib/teams-sync && chown node:node /var/lib/teams-sync
USER node
EXPOSE 8080 8081
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "cmd/controller/main.ts"]
CMD ["--leader-elect=true", "--state-db=/var/lib/teams-sync/state.db"]

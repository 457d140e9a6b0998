# Gantry's container image: one image, three commands (deploy/image/entrypoint.sh): `web` (the
# Next.js server, port $PORT), `operator` (the worker; health and metrics ports from the chart)
# and `migrate` (database migrations and seed). Runs as uid 1000 with a read-only root file
# system; writable: /var/lib/gantry (workspaces, caches, artifacts) and /tmp, both volumes in the
# Helm chart. No HEALTHCHECK: Kubernetes probes /api/healthz, /api/readyz and the operator's port.
#
# Build: `npm run image` (buildah), or `docker build -t gantry:0.1.0 .`; docs/install.md.
# tests/image-contents.test.ts assembles the final stage's COPY lines and runs the three commands.

ARG NODE_IMAGE=node:22-bookworm-slim

# The web app (.next/standalone: server.js and the modules it traces) and the bundled operator and
# migrate command (.gantry/build/*.mjs).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# The production dependencies the operator and the migrate command load (npm packages are left
# out of their bundles).
FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
COPY --from=build /src/.next/standalone/ ./
COPY --from=build /src/.next/static/ ./.next/static/
COPY --from=deps /src/node_modules/ ./node_modules/
COPY --from=build /src/.gantry/build/operator.mjs /src/.gantry/build/operator.mjs.map /src/.gantry/build/migrate.mjs /src/.gantry/build/migrate.mjs.map ./gantry/
COPY server/db/migrations/ ./server/db/migrations/
COPY server/seed/demo-pipeline.yaml ./server/seed/
COPY templates/ ./templates/
COPY deploy/image/entrypoint.sh ./entrypoint.sh
USER 1000:1000
EXPOSE 3000
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["web"]

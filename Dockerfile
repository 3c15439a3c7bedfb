# Breeze: build the single binary (and the agent builds) in one stage, run it as non-root in
# a slim image. Data lives in the /data volume.
FROM node:22-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin breeze \
 && mkdir -p /data /opt/breeze && chown breeze:breeze /data
COPY --from=build /src/dist/breeze /opt/breeze/breeze
COPY --from=build /src/dist/agents /opt/breeze/agents
USER breeze
ENV BREEZE_DATA_DIR=/data PORT=3000 HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/breeze/breeze"]
CMD ["serve"]

# syntax=docker/dockerfile:1
# careerbot's container: `docker build -t careerbot .`, then see
# docs/operators.md, "Container", for running it.

## Build stage: the dependencies first, in a layer of their own, so that a
## change to careerbot's code rebuilds careerbot only.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /build
COPY Cargo.toml Cargo.lock ./
# Stand-ins for every target the manifest names, so `cargo build` compiles
# the dependencies alone.
RUN mkdir -p src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && for bench in $(sed -n '/^\[\[bench\]\]/{n;s/^name = "\(.*\)"/\1/p}' Cargo.toml); do \
      echo 'fn main() {}' > "benches/$bench.rs"; \
    done \
 && cargo build --release --locked \
 && rm -rf src benches
COPY src src
COPY benches benches
# The sentence-embedding model: its weights are compiled into the binary.
COPY models models
# The chart's font, compiled into the binary too.
COPY assets/fonts assets/fonts
# The stand-ins' build is older than the real sources; make sure cargo sees it.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && install -m 0755 target/release/careerbot /usr/local/bin/careerbot

## Runtime stage: the binary (the model and the font inside it), the
## shipped knowledge, their licences, and nothing else.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/careerbot --create-home careerbot \
 && mkdir -p /srv/careerbot \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/careerbot /usr/local/bin/careerbot
COPY knowledge /srv/careerbot/knowledge
COPY models/all-MiniLM-L6-v2/LICENSE /usr/share/doc/careerbot/all-MiniLM-L6-v2.LICENSE
COPY assets/fonts/LICENSE /usr/share/doc/careerbot/DejaVuSans.LICENSE
ENV CAREERBOT_KNOWLEDGE_DIR=/srv/careerbot/knowledge \
    CAREERBOT_INDEX_DIR=/var/lib/careerbot/index \
    CAREERBOT_DATA_DIR=/var/lib/careerbot/data \
    CAREERBOT_LISTEN=0.0.0.0:8080 \
    CAREERBOT_OPS_LISTEN=0.0.0.0:8080
# serve-http answers /healthz on `listen`; serve (the gateway bot) on
# `ops_listen`. Only one of them runs, so they share the port.
# The knowledge (mount your own over it) and the index and insights data.
VOLUME ["/srv/careerbot/knowledge", "/var/lib/careerbot"]
USER careerbot
WORKDIR /var/lib/careerbot
EXPOSE 8080
# bash's /dev/tcp: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["careerbot"]
CMD ["serve-http"]

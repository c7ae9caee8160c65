# syntax=docker/dockerfile:1
# A small image whose entrypoint is `schemadiff` (docs/distribution.md#docker):
#   docker build -t schemadiff .
#   docker run --rm -v "$PWD:/work" -e DATABASE_URL schemadiff upgrade head
# Build stage: the release binary, with the versions in Cargo.lock (--locked), on the Rust
# release CI tests with.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Cargo.toml names these targets; the files must exist for the manifest to load.
COPY tests ./tests
COPY benches ./benches
COPY examples ./examples
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin schemadiff \
    && cp target/release/schemadiff /usr/local/bin/schemadiff

# Runtime: Debian slim (the glibc the binary was linked against) with the CA bundle that
# `sslrootcert=system` reads; SQLite is bundled and TLS is rustls, so nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 schemadiff
COPY --from=build /usr/local/bin/schemadiff /usr/local/bin/schemadiff
USER schemadiff
# Mount the project (schemadiff.toml, schemas/, migrations/, snapshots/) here.
WORKDIR /work
ENTRYPOINT ["schemadiff"]
CMD ["--help"]

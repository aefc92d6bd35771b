# otelcol-sbi container image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t otelcol-sbi .
#   docker run --rm -p 4318:4318 -p 13133:13133 otelcol-sbi
#
# The build stage runs the same `make build` as a developer machine (ocb pinned in the
# Makefile, modules through the Go proxy); the runtime stage is distroless, static, non-root.
# Without a Docker daemon, `make release` builds the equivalent OCI image (docs/release.md).

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
ARG VERSION=dev
WORKDIR /src
# Module downloads first, so that source edits do not invalidate them.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Drop host artefacts (a host-built ocb may be for another platform), then build.
RUN rm -rf bin dist data && make build VERSION="${VERSION}"
# The runtime image has no shell: prepare the writable data directory here.
RUN mkdir -p /out/var/lib/otelcol-sbi

FROM gcr.io/distroless/static-debian12:nonroot
# The collector release this distribution is built on (the Makefile's OTELCOL_VERSION;
# release/versions_test.go checks they agree).
LABEL io.opentelemetry.collector.version="0.165.0"
COPY --from=build /src/dist/otelcol-sbi /usr/local/bin/otelcol-sbi
COPY config/policy.yaml /etc/otelcol-sbi/policy.yaml
COPY deploy/container/otelcol.yaml /etc/otelcol-sbi/otelcol.yaml
# Events file and queue, owned by the runtime user; a volume in production (see deploy/k8s).
COPY --from=build --chown=65532:65532 /out/var/lib/otelcol-sbi /var/lib/otelcol-sbi
WORKDIR /var/lib/otelcol-sbi
USER 65532:65532
# 4318 extevents (OTLP/HTTP + compact events), 13133 health_check, 8888 own metrics
EXPOSE 4318 13133 8888
ENTRYPOINT ["/usr/local/bin/otelcol-sbi"]
CMD ["--config=/etc/otelcol-sbi/otelcol.yaml"]

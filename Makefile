# otelcol-sbi: `make run` builds the distribution and runs it; `make test` runs every test.
SHELL := /bin/bash
GO ?= go
# The one place that pins the OpenTelemetry Collector release: core modules v$(OTELCOL_VERSION) and
# v$(OTELCOL_STABLE_VERSION), contrib modules v$(OTELCOL_CONTRIB_VERSION), ocb v$(OTELCOL_VERSION).
# The manifests, go.mod files, Dockerfile and docs repeat these numbers (YAML and go.mod cannot
# include a Makefile); release/versions_test.go (in `make test`) fails when any of them disagrees.
OTELCOL_VERSION := 0.165.0
OTELCOL_STABLE_VERSION := 1.71.0
OTELCOL_CONTRIB_VERSION := 0.165.1
OCB_VERSION := v$(OTELCOL_VERSION)
GOBIN := $(CURDIR)/bin
OCB := $(GOBIN)/builder
# Stamp per pinned version: changing OCB_VERSION reinstalls ocb.
OCB_STAMP := $(GOBIN)/.builder-$(OCB_VERSION)
DIST := dist/otelcol-sbi
DIST_DEV := dist/dev/otelcol-sbi-dev
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
JSCLIENT := test/jsclient
# The extension-side client library and its browser tests (puppeteer-core, chromium).
CLIENTJS := client/js

.PHONY: all build build-dev run test unit e2e lint generate generate-client client-test docs policy-changes sbipolicy bench reliability npm-deps release release-check release-test k8s-sync clean

all: build

$(OCB_STAMP):
	GOBIN=$(GOBIN) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	touch $@

# ocb generates main.go and go.mod into dist/ and compiles them against this module (the
# `path: .` entries become `replace ... => ../`). The version is stamped into BuildInfo through
# ocb's environment overlay: the variable named `dist.version` overrides that key of the manifest
# (main.go carries the version as a literal, so -ldflags -X cannot set it).
# scripts/build-dist.sh runs ocb and the compile as separate steps that print progress.
build: $(OCB_STAMP)
	GO=$(GO) ./scripts/build-dist.sh $(OCB) builder-config.yaml '$(VERSION)'
	@./$(DIST) --version

# The development build: the production components plus the `debug` exporter (never deploy it).
build-dev: $(OCB_STAMP)
	GO=$(GO) ./scripts/build-dist.sh $(OCB) builder-config-dev.yaml '$(VERSION)'
	@./$(DIST_DEV) --version

run: build
	mkdir -p data
	./$(DIST) --config config/otelcol.yaml

# Node client for the tests that drive the real OTel JS SDK.
npm-deps: $(JSCLIENT)/node_modules/.package-lock.json $(CLIENTJS)/node_modules/.package-lock.json
$(JSCLIENT)/node_modules/.package-lock.json: $(JSCLIENT)/package.json $(JSCLIENT)/package-lock.json
	npm ci --prefix $(JSCLIENT) --no-audit --no-fund --loglevel=error
$(CLIENTJS)/node_modules/.package-lock.json: $(CLIENTJS)/package.json $(CLIENTJS)/package-lock.json
	npm ci --prefix $(CLIENTJS) --no-audit --no-fund --loglevel=error

# Lint every Go module of the repository: gofmt, go vet, staticcheck (every module is checked,
# then the target fails if any check did, so one run lists all findings). staticcheck runs at a
# pinned version through `go run pkg@version`, which builds it in its own module context: a
# `tool` directive would put its dependencies (x/tools, x/mod, ...) into go.mod, which the
# distribution's build (ocb, `replace` of this module) inherits; this way the shipped binary's
# dependency graph does not depend on the linter's.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GO_MODULES := . bench bench/micro bench/fileexporter-baseline test/deploy test/deploy/operator release
lint:
	@files=$$(find . -name '*.go' -not -path './dist/*' -not -path './bench/reference/dist/*' -not -path '*/node_modules/*' -not -path './.git/*'); \
	  unformatted=$$(gofmt -l $$files); \
	  if [ -n "$$unformatted" ]; then echo "gofmt: not formatted (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	@failed=""; for m in $(GO_MODULES); do \
	  echo "lint: $$m"; \
	  (cd $$m && $(GO) vet ./...) || failed="$$failed $$m(vet)"; \
	  (cd $$m && $(GO) run $(STATICCHECK) ./...) || failed="$$failed $$m(staticcheck)"; \
	done; \
	if [ -n "$$failed" ]; then echo "lint failed:$$failed"; exit 1; fi

# Unit tests, fuzz seed corpora (go test runs every Fuzz target's seeds), the end-to-end
# tests against the built binary (test/e2e), the Kubernetes manifests against the API types
# (test/deploy, a module of its own), then the bench module's short tests.
test: npm-deps build
	OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 20m ./...
	cd test/deploy && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 ./...
	cd test/deploy/operator && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 ./...
	$(MAKE) release-test
	$(MAKE) client-test
	$(MAKE) -C bench test

# The client library's Node tests and its browser tests: chromium with the example extension
# against the built collector (CI=true: a missing chromium or binary fails).
client-test: npm-deps build
	cd $(CLIENTJS) && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) node --test --test-concurrency=1 test/*.test.mjs

# Only the end-to-end tests against the built binary.
e2e: npm-deps build
	OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 15m ./test/...
	cd test/deploy && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 ./...
	cd test/deploy/operator && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 ./...

unit:
	$(GO) test -count=1 ./policy/... ./processor/... ./receiver/... ./exporter/...

generate:
	cd processor/minimizeprocessor && $(GO) tool mdatagen metadata.yaml
	cd receiver/exteventsreceiver && $(GO) tool mdatagen metadata.yaml
	cd exporter/egressexporter && $(GO) tool mdatagen metadata.yaml

# The client's vocabulary and types from the policy (a Go test fails when they drift).
generate-client:
	$(GO) run ./cmd/sbiclientgen -policy config/policy.yaml -dir $(CLIENTJS)

docs:
	$(GO) run ./cmd/policydoc -policy config/policy.yaml -out docs/data-inventory.md

# docs/policy-changes.md: one entry per policy version, the diff against the version before it
# in git (needs the full history); keeps filled-in sign-off lines.
policy-changes:
	$(GO) run ./cmd/sbipolicy changes --policy config/policy.yaml --out docs/policy-changes.md

# The policy review tool, shipped beside the collector binary.
sbipolicy:
	$(GO) build -trimpath -o dist/sbipolicy ./cmd/sbipolicy

bench: build
	$(MAKE) -C bench bench

reliability: build
	$(MAKE) -C bench reliability

# Release artefacts in dist/release/: static linux/amd64 and linux/arm64 binaries (CGO off,
# -trimpath, no build id, stamped version), a CycloneDX SBOM, an OCI image layout tarball for
# both platforms (built without a Docker daemon) and SHA256SUMS. See docs/release.md.
release: $(OCB_STAMP)
	GO=$(GO) OCB=$(OCB) ./scripts/release.sh '$(VERSION)' dist/release

# The release module's tests: versions agree with the pins above, the image builder, and a
# reproducibility check of one target (linux/amd64 built twice, compared byte for byte).
release-test: build
	cd release && OTELCOL_SBI_BIN=$(CURDIR)/$(DIST) $(GO) test -count=1 -timeout 15m ./...

# Full reproducibility: `make release` twice, the second with an empty Go build cache (so every
# package is compiled again, not reused), and the two SHA256SUMS must be identical.
release-check: $(OCB_STAMP)
	GO=$(GO) OCB=$(OCB) ./scripts/release-check.sh '$(VERSION)'

# Copies config/policy.yaml into the kustomization (kustomize may not read outside deploy/k8s);
# test/deploy fails while the two differ.
k8s-sync:
	cp config/policy.yaml deploy/k8s/policy.yaml

clean:
	rm -rf dist bin data

// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The HTTP response writers. What to answer is decided by the pipeline and
// the failure table; these only put it on the wire.

const (
	contentTypeProto = "application/x-protobuf"
	contentTypeJSON  = "application/json"
	contentTypeText  = "text/plain"

	headerRetryAfter = "Retry-After"
)

// fallbackStatus is sent when an error answer itself cannot be encoded.
var fallbackStatus = []byte(`{"code":13,"message":"failed to encode error"}`)

func writeBody(w http.ResponseWriter, contentType string, status int, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeRetryAfter sets Retry-After in delay-seconds, rounded up, at least 1.
func writeRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set(headerRetryAfter, strconv.FormatInt(retryAfterSeconds(d), 10))
}

// writeStatus writes a google.rpc.Status, in protobuf or JSON, as the
// OTLP/HTTP specification asks for every failure. msg must be a fixed text.
func writeStatus(w http.ResponseWriter, asProto bool, status int, code codes.Code, msg string) {
	st := &spb.Status{Code: int32(code), Message: msg}
	var (
		b   []byte
		err error
		ct  = contentTypeJSON
	)
	if asProto {
		b, err = proto.Marshal(st)
		ct = contentTypeProto
	} else {
		b, err = protojson.Marshal(st)
	}
	if err != nil {
		writeBody(w, contentTypeJSON, http.StatusInternalServerError, fallbackStatus)
		return
	}
	writeBody(w, ct, status, b)
}

// compactErrorBody is the JSON body of every non-200 answer of /v1/events.
type compactErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field"`
	Index *int   `json:"index,omitempty"`
}

func writeCompactError(w http.ResponseWriter, status int, e *compactError) {
	b := compactErrorBody{Error: e.Error(), Field: e.Field}
	if e.Index >= 0 {
		b.Index = &e.Index
	}
	out, err := json.Marshal(b)
	if err != nil {
		writeBody(w, contentTypeJSON, http.StatusInternalServerError, fallbackStatus)
		return
	}
	writeBody(w, contentTypeJSON, status, out)
}

// writeCompactAccepted writes the 200 answer of /v1/events.
func writeCompactAccepted(w http.ResponseWriter, n int) {
	writeBody(w, contentTypeJSON, http.StatusOK, []byte(`{"accepted":`+strconv.Itoa(n)+`}`))
}

// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"google.golang.org/grpc/codes"
)

// Every row of the failure table is complete and consistent: an error
// status, an outcome from the metric's closed set, a fixed message, and
// Retry-After exactly on the two "retry later" statuses.
func TestFailureTable(t *testing.T) {
	outcomes := outcomeOptions()
	for f := failure(0); f < numFailures; f++ {
		row := f.row()
		t.Run(fmt.Sprint(int(f)), func(t *testing.T) {
			assert.GreaterOrEqual(t, row.status, 400)
			assert.NotEmpty(t, row.msg)
			assert.NotEqual(t, codes.OK, row.code)
			if f != failInternal {
				assert.Contains(t, outcomes, row.outcome)
				assert.NotEqual(t, outcomeOK, row.outcome)
			}
			retryable := row.status == http.StatusTooManyRequests || row.status == http.StatusServiceUnavailable
			assert.Equal(t, retryable, row.retry)
		})
	}
}

func TestConsumerAndServerFailures(t *testing.T) {
	assert.Equal(t, failPipelineReject, consumerFailure(consumererror.NewPermanent(errors.New("x"))))
	assert.Equal(t, failPipelineBusy, consumerFailure(errors.New("x")))
	assert.Equal(t, http.StatusServiceUnavailable, failPipelineBusy.row().status)
	assert.Equal(t, http.StatusBadRequest, failPipelineReject.row().status)
	assert.Equal(t, failUnauthorized, serverFailure(http.StatusUnauthorized))
	assert.Equal(t, failEncoding, serverFailure(http.StatusBadRequest))
}

// Every failure on /v1/logs is a google.rpc.Status, in the request's encoding
// when it has an OTLP one and in JSON otherwise (as otlpreceiver's error
// handler), with the table's code and message.
func TestLogsFailuresAreStatus(t *testing.T) {
	sink := new(consumertest.LogsSink)
	h := newDirectReceiver(t, sink, time.Unix(1_700_000_000, 0), nil)
	tests := []struct {
		name, method, ct string
		wantStatus       int
		wantCT           string
		wantCode         codes.Code
		wantMsg          string
	}{
		{"405 protobuf", http.MethodGet, contentTypeProto, http.StatusMethodNotAllowed, contentTypeProto, codes.InvalidArgument, "method not allowed, use POST"},
		{"405 no type", http.MethodPut, "", http.StatusMethodNotAllowed, contentTypeJSON, codes.InvalidArgument, "method not allowed, use POST"},
		{"415", http.MethodPost, "text/plain", http.StatusUnsupportedMediaType, contentTypeJSON, codes.InvalidArgument, "Content-Type must be application/x-protobuf or application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(context.Background(), tt.method, pathLogs, strings.NewReader("{}"))
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantCT, rec.Header().Get("Content-Type"))
			st := decodeStatus(t, tt.wantCT, rec.Body.Bytes())
			assert.Equal(t, int32(tt.wantCode), st.GetCode())
			assert.Equal(t, tt.wantMsg, st.GetMessage())
		})
	}
	assert.Empty(t, sink.AllLogs())
}

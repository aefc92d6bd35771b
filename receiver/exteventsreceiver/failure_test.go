// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/consumer/consumererror"
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

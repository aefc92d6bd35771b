// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver // import "github.com/sbi-telemetry/otelcol-sbi/receiver/exteventsreceiver"

import (
	"net/http"

	"google.golang.org/grpc/codes"

	"go.opentelemetry.io/collector/consumer/consumererror"
)

// failure is every way a request can end other than 200. Each has one row
// in the failure table: its HTTP status, the outcome label of
// otelcol_receiver_extevents_requests, the google.rpc.Status code of an OTLP
// answer and a fixed message. Nothing else in the package decides these.
type failure int

const (
	failMethod         failure = iota // not POST
	failRateLimited                   // the client's token bucket is empty
	failMediaType                     // Content-Type not accepted by the endpoint
	failEncoding                      // confighttp: unsupported or corrupt Content-Encoding
	failUnauthorized                  // confighttp: the auth extension refused the request
	failTooLarge                      // body over the wire or decompressed bound
	failReadBody                      // the body could not be read (e.g. corrupt gzip mid-stream)
	failMalformed                     // the decoder rejected the body
	failPipelineBusy                  // the next consumer refused with a retryable error
	failPipelineReject                // the next consumer refused with a permanent error
	failInternal                      // the answer could not be encoded
	numFailures
)

// Outcome label values of otelcol_receiver_extevents_requests (a closed set,
// metadata.yaml). outcomeOK is the only one not in the failure table.
const (
	outcomeOK                   = "ok"
	outcomeBadRequest           = "bad_request"
	outcomeUnauthorized         = "unauthorized"
	outcomeTooLarge             = "too_large"
	outcomeUnsupportedMediaType = "unsupported_media_type"
	outcomeMethodNotAllowed     = "method_not_allowed"
	outcomeRateLimited          = "rate_limited"
	outcomeRefused              = "refused"
)

type failureRow struct {
	status  int
	outcome string
	code    codes.Code // google.rpc.Status code of an OTLP answer
	// msg is sent to the client. A fixed text: neither the decoder's nor the
	// pipeline's error text (either can quote the payload) nor a header value
	// confighttp would echo. failMediaType's is completed by the endpoint
	// with the media types it accepts; failMalformed's by the encoding (the
	// compact decoder names the field, never its content).
	msg string
	// retry: the answer carries Retry-After (429 from the bucket, 503 from
	// retry_after).
	retry bool
}

var failureTable = [numFailures]failureRow{
	failMethod:         {http.StatusMethodNotAllowed, outcomeMethodNotAllowed, codes.InvalidArgument, "method not allowed, use POST", false},
	failRateLimited:    {http.StatusTooManyRequests, outcomeRateLimited, codes.ResourceExhausted, "rate limit exceeded, retry later", true},
	failMediaType:      {http.StatusUnsupportedMediaType, outcomeUnsupportedMediaType, codes.InvalidArgument, "Content-Type must be ", false},
	failEncoding:       {http.StatusBadRequest, outcomeBadRequest, codes.InvalidArgument, "unsupported or invalid Content-Encoding", false},
	failUnauthorized:   {http.StatusUnauthorized, outcomeUnauthorized, codes.Unauthenticated, "unauthorized", false},
	failTooLarge:       {http.StatusRequestEntityTooLarge, outcomeTooLarge, codes.InvalidArgument, "request body too large", false},
	failReadBody:       {http.StatusBadRequest, outcomeBadRequest, codes.InvalidArgument, "failed to read request body", false},
	failMalformed:      {http.StatusBadRequest, outcomeBadRequest, codes.InvalidArgument, "invalid request", false},
	failPipelineBusy:   {http.StatusServiceUnavailable, outcomeRefused, codes.Unavailable, "pipeline is busy, retry later", true},
	failPipelineReject: {http.StatusBadRequest, outcomeBadRequest, codes.InvalidArgument, "data rejected by the pipeline", false},
	// Encoding a 200 answer failed: not the client's doing, no outcome counted.
	failInternal: {http.StatusInternalServerError, "", codes.Internal, "failed to encode response", false},
}

func (f failure) row() failureRow { return failureTable[f] }

// consumerFailure maps a pipeline error: a permanent error will fail again
// (400, do not retry); anything else, including a memory_limiter refusal, is
// back-pressure (503, retry after a delay).
func consumerFailure(err error) failure {
	if consumererror.IsPermanent(err) {
		return failPipelineReject
	}
	return failPipelineBusy
}

// serverFailure maps the status confighttp's handler chain reports before
// the request reaches the handler: 401 from auth, 400 from decompression (its
// message is dropped: it can echo a header value).
func serverFailure(status int) failure {
	if status == http.StatusUnauthorized {
		return failUnauthorized
	}
	return failEncoding
}

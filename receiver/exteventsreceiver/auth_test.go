// Copyright The otelcol-sbi Authors
// SPDX-License-Identifier: Apache-2.0

package exteventsreceiver

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensionauth"
)

// tokenAuth is a server authenticator accepting one bearer token; its error
// text quotes the header, as careless authenticators do.
type tokenAuth struct{}

var _ extensionauth.Server = tokenAuth{}

func (tokenAuth) Start(context.Context, component.Host) error { return nil }
func (tokenAuth) Shutdown(context.Context) error              { return nil }

func (tokenAuth) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	for k, v := range headers {
		if http.CanonicalHeaderKey(k) == "Authorization" && len(v) == 1 && v[0] == "Bearer good" {
			info := client.FromContext(ctx)
			info.Auth = authData{}
			return client.NewContext(ctx, info), nil
		}
	}
	return ctx, errors.New("bad credentials: " + secret)
}

type authData struct{}

func (authData) GetAttribute(string) any { return "alice" }
func (authData) GetAttributeNames() []string {
	return []string{"subject"}
}

type authHost struct {
	exts map[component.ID]component.Component
}

func (h authHost) GetExtensions() map[component.ID]component.Component { return h.exts }

func TestAuth(t *testing.T) {
	authID := component.MustNewID("tokenauth")
	host := authHost{exts: map[component.ID]component.Component{authID: tokenAuth{}}}
	sink := new(consumertest.LogsSink)
	env := startReceiverWithHost(t, sink, func(c *Config) {
		c.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: authID}})
	}, host)

	resp := env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody), "Authorization", "Bearer "+secret)
	require.Equal(t, http.StatusUnauthorized, resp.status)
	assert.JSONEq(t, `{"error":"request: unauthorized","field":"request"}`, string(resp.body))

	resp = env.do(t, http.MethodPost, "/v1/logs", "application/x-protobuf", "", otlpProto(t, sampleLogs()), "Authorization", "Bearer "+secret)
	require.Equal(t, http.StatusUnauthorized, resp.status)
	assert.Equal(t, "unauthorized", decodeStatus(t, "application/x-protobuf", resp.body).GetMessage())
	assert.NotContains(t, string(resp.body), secret)
	assert.Empty(t, sink.AllLogs())

	resp = env.do(t, http.MethodPost, "/v1/events", "application/json", "", []byte(compactBody), "Authorization", "Bearer good")
	require.Equal(t, http.StatusOK, resp.status)
	require.Len(t, sink.Contexts(), 1)
	assert.Nil(t, client.FromContext(sink.Contexts()[0]).Auth, "the authenticated identity does not travel with the data")
	assertNoSecretLogged(t, env)
}

package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/internal/logtest"
	"github.com/vitals-go/vitals/log"
	"github.com/vitals-go/vitals/reqid"
)

func TestQuickstart(t *testing.T) {
	t.Setenv(log.LevelEnv, "")
	var out bytes.Buffer
	run(&out, "bad id\r\nSet-Cookie: x=1")

	recs := logtest.Decode(t, out.String())
	require.Len(t, recs, 2, out.String())
	warn, info := recs[0], recs[1]

	assert.Equal(t, "WARN", warn["level"])
	assert.Equal(t, `len=23 prefix="bad id\r\nSet-Cook"...`, warn["rejected"])
	assert.NotContains(t, out.String(), "Set-Cookie: x=1", "the rejected value is never logged raw")

	assert.Equal(t, "INFO", info["level"])
	assert.Equal(t, "handled request", info["msg"])
	assert.Equal(t, warn["request_id"], info["request_id"], "the replacement ID is the request's ID")
	assert.True(t, reqid.Valid(info["request_id"].(string)))
	assert.Equal(t, "GET", info["method"])
	assert.Equal(t, "/hello", info["route"])
	assert.Equal(t, 200.0, info["status"])
	p := info.Group("process")
	require.NotNil(t, p)
	assert.Equal(t, reqid.Process().ID, p["id"])
	assert.NotEmpty(t, p["host"])
}

func TestQuickstartKeepsValidInboundID(t *testing.T) {
	t.Setenv(log.LevelEnv, "")
	var out bytes.Buffer
	run(&out, "checkout-7f3a")
	recs := logtest.Decode(t, out.String())
	require.Len(t, recs, 1, "one line only: %s", out.String())
	assert.Equal(t, "checkout-7f3a", recs[0]["request_id"])
}

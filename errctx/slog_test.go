package errctx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitals-go/vitals/errctx"
	vlog "github.com/vitals-go/vitals/log"
)

// chargeFailure is a two-layer error as a billing service would return it.
func chargeFailure() error {
	inner := errctx.Wrap(errors.New("connection refused"), "POST payments/charge",
		errctx.RetryAfter(2*time.Second), errctx.Fields("endpoint", "payments/charge"))
	return errctx.Wrap(inner, "charging customer 42",
		errctx.Remedy("check the gateway status page"),
		errctx.WithClass(errctx.Transient),
		errctx.Fields("customer", 42),
		errctx.Secret("card", "4111 1111 1111 1111"))
}

// logged decodes the "error" group of the one JSON line in buf.
func logged(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	line := buf.String()
	require.Equal(t, 1, strings.Count(line, "\n"), line)
	assert.NotContains(t, line, "4111")
	var rec map[string]any
	require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
	group, ok := rec["error"].(map[string]any)
	require.True(t, ok, "error is a group: %s", line)
	return group
}

func checkGroup(t *testing.T, group map[string]any) {
	t.Helper()
	assert.Equal(t, "charging customer 42: POST payments/charge: connection refused", group["message"])
	assert.Equal(t, []any{"charging customer 42", "POST payments/charge"}, group["attempted"])
	assert.Equal(t, []any{"check the gateway status page"}, group["remedy"])
	assert.Equal(t, "transient", group["class"])
	assert.Equal(t, "2s", group["retry_after"])
	assert.Equal(t, map[string]any{"customer": 42.0, "card": "[REDACTED]", "endpoint": "payments/charge"}, group["fields"])
	where, ok := group["where"].([]any)
	require.True(t, ok)
	require.Len(t, where, 2)
	for _, w := range where {
		assert.Regexp(t, `^errctx/slog_test\.go:\d+$`, w)
	}
	keys := make([]string, 0, len(group))
	for k := range group {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"message", "attempted", "remedy", "class", "retry_after", "fields", "where"}, keys)
}

func TestLogValueJSON(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("charge failed", "error", chargeFailure())
	checkGroup(t, logged(t, &buf))
}

func TestLogValueThroughVitalsLog(t *testing.T) {
	var buf bytes.Buffer
	logger := vlog.New(vlog.Options{Writer: &buf})
	logger.ErrorContext(context.Background(), "charge failed", "error", chargeFailure())
	checkGroup(t, logged(t, &buf))
}

func TestLogValueMinimal(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", "error", errctx.New(""))
	group := logged(t, &buf)
	assert.Equal(t, "unspecified failure", group["message"])
	assert.Equal(t, "unknown", group["class"])
	assert.NotContains(t, group, "attempted")
	assert.NotContains(t, group, "remedy")
	assert.NotContains(t, group, "fields")
}

func TestLogValueWithStack(t *testing.T) {
	var buf bytes.Buffer
	err := errctx.Wrap(errctx.New("inner", errctx.WithStack()), "outer")
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", "error", err)
	stack, ok := logged(t, &buf)["stack"].([]any)
	require.True(t, ok)
	assert.Regexp(t, `^errctx_test\.TestLogValueWithStack errctx/slog_test\.go:\d+$`, stack[0])
}

func TestLogValueLongChain(t *testing.T) {
	err := errors.New("root")
	for i := range 1000 {
		err = errctx.Wrap(err, fmt.Sprint("step ", i))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", "error", err)
	group := logged(t, &buf)
	attempted := group["attempted"].([]any)
	assert.Len(t, attempted, 65)
	assert.Equal(t, "step 999", attempted[0])
	assert.Equal(t, "... 936 more ...", attempted[32])
	assert.Equal(t, "step 0", attempted[64])
	assert.Len(t, group["where"], 65)
}

// TestLogValueOfForeignWrapper logs an errctx error that a foreign layer
// (net/http's *url.Error) wraps: the group of the whole chain, whose message
// is the outer error's, rather than a flat string.
func TestLogValueOfForeignWrapper(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "http://payments/charge", Err: chargeFailure()}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("charge failed", "error", errctx.LogValueOf(err))
	group := logged(t, &buf)
	assert.Equal(t, err.Error(), group["message"])
	assert.Equal(t, []any{"charging customer 42", "POST payments/charge"}, group["attempted"])
	assert.Equal(t, "transient", group["class"])

	e := chargeFailure().(*errctx.Error)
	assert.Equal(t, e.LogValue().String(), errctx.LogValueOf(e).String(), "an *Error is rendered as its own LogValue")
	plain := fmt.Errorf("POST: %w", errors.New("connection refused"))
	assert.Equal(t, slog.StringValue(plain.Error()), errctx.LogValueOf(plain), "without an errctx layer, the message")
	assert.Equal(t, slog.Value{}, errctx.LogValueOf(nil))
}

// inlined is a LogValuer that resolves to an inline group, as slog inlines
// a group with an empty key.
type inlined struct{ a []slog.Attr }

func (v inlined) LogValue() slog.Value { return slog.GroupValue(v.a...) }

func TestFieldsOfInlineGroups(t *testing.T) {
	inner := errctx.Wrap(errors.New("refused"), "POST payments/charge",
		errctx.Fields(slog.Group("", "a", 1, "b", 2), "", inlined{[]slog.Attr{slog.Int("c", 3)}}))
	err := errctx.Wrap(inner, "charging",
		errctx.Fields(slog.Group("", "a", 9), slog.Group("", slog.Group("", "d", 4))))

	var keys []string
	for _, a := range errctx.FieldsOf(err) {
		keys = append(keys, a.Key)
	}
	assert.Equal(t, []string{"a", "d", "b", "c"}, keys, "inline groups are flattened, one field per key, the outermost winning")

	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Error("failed", "error", err)
	line := buf.String()
	assert.Contains(t, line, `"fields":{"a":9,"d":4,"b":2,"c":3}`)
}

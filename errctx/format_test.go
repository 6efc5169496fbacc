package errctx

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

const cardNumber = "4111 1111 1111 1111"

func chargeError() error {
	inner := Wrap(errRefused, "POST payments/charge",
		RetryAfter(2*time.Second), Fields("endpoint", "payments/charge"))
	return Wrap(inner, "charging customer 42",
		Remedy("check the gateway status page"),
		WithClass(Transient),
		Fields("cents", 1999, "note", "two words", "group", []string{"a"}),
		Secret("card", cardNumber))
}

func TestFormatVerbs(t *testing.T) {
	err := chargeError()
	msg := "charging customer 42: POST payments/charge: connection refused"
	assert.Equal(t, msg, fmt.Sprintf("%v", err))
	assert.Equal(t, msg, fmt.Sprintf("%s", err))
	assert.Equal(t, `"`+msg+`"`, fmt.Sprintf("%q", err))
	assert.Equal(t, `&errctx.Error{"`+msg+`"}`, fmt.Sprintf("%#v", err))
	assert.Equal(t, "%!d(*errctx.Error="+msg+")", fmt.Sprintf("%d", err))
}

func TestFormatDetail(t *testing.T) {
	err := chargeError()
	lines := strings.Split(fmt.Sprintf("%+v", err), "\n")
	want := []string{
		"charging customer 42: POST payments/charge: connection refused",
		"class: transient",
		"--- charging customer 42",
		"    at errctx.chargeError (errctx/format_test.go:*)",
		"    remedy: check the gateway status page",
		"    class: transient",
		`    fields: cents=1999 note="two words" group=[a] card=[REDACTED]`,
		"--- POST payments/charge",
		"    at errctx.chargeError (errctx/format_test.go:*)",
		"    retry after: 2s",
		"    fields: endpoint=payments/charge",
		"--- cause: connection refused (*errors.errorString)",
		"",
	}
	assert.Len(t, lines, len(want))
	for i := range min(len(want), len(lines)) {
		if w, ok := strings.CutSuffix(want[i], "*)"); ok {
			assert.True(t, strings.HasPrefix(lines[i], w), "line %d: %q", i, lines[i])
		} else {
			assert.Equal(t, want[i], lines[i], "line %d", i)
		}
	}
}

func TestFormatDetailForeignAndJoined(t *testing.T) {
	err := Wrap(errors.Join(
		fmt.Errorf("attempt 2: %w", New("reading row")),
		fmt.Errorf("no wrap here %v", errRefused),
	), "batch")
	got := fmt.Sprintf("%+v", err)
	for _, part := range []string{
		"--- batch\n",
		"--- joined 2 errors (*errors.joinError)\n",
		"    --- wrapped: attempt 2 (*fmt.wrapError)\n",
		"    --- reading row\n",
		"    --- cause: no wrap here connection refused (*errors.errorString)\n",
	} {
		assert.Contains(t, got, part)
	}
}

func TestFormatGroupField(t *testing.T) {
	err := New("x", Fields(slogGroup()))
	assert.Contains(t, fmt.Sprintf("%+v", err), "fields: card.last4=1111 card.brand=visa")
}

// TestSecretNeverShown checks every rendering for the secret's value.
func TestSecretNeverShown(t *testing.T) {
	err := chargeError()
	for _, s := range []string{
		err.Error(),
		fmt.Sprintf("%v %+v %s %q %#v", err, err, err, err, err),
		fmt.Sprint(FieldsOf(err)),
		fmt.Sprint(err.(*Error).LogValue().Resolve()),
		fmt.Sprintf("%+v", fmt.Errorf("job: %w", err)),
	} {
		assert.NotContains(t, s, "4111")
	}
}

func slogGroup() slog.Attr {
	return slog.Group("card", "last4", "1111", "brand", "visa")
}

func TestFormatDetailInlineGroup(t *testing.T) {
	err := Wrap(errRefused, "charging", Fields(slog.Group("", "a", 1), slog.Group("g", "b", 2)))
	detail := fmt.Sprintf("%+v", err)
	assert.Contains(t, detail, "fields: a=1 g.b=2", "an inline group's members keep their own keys")
}

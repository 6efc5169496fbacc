package errctx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// fuzzChain builds an error from fuzzed parts; secret is the only input that
// changes with the same other arguments.
func fuzzChain(attempted, remedy, key, value, secret string, depth uint8, joined bool) error {
	var err error = errors.New(value)
	for i := range int(depth % 40) {
		switch i % 4 {
		case 0:
			err = Wrap(err, attempted, Remedy(remedy), Fields(key, value, i), Secret(key+"_secret", secret))
		case 1:
			err = fmt.Errorf("%s: %w", attempted, err)
		case 2:
			err = Wrap(err, "", Fields(key), WithClass(Class(depth)), RetryAfter(-1))
		case 3:
			if joined {
				err = errors.Join(err, New(attempted, Secret(key, secret)), nil)
			} else {
				err = Wrap(err, attempted+value)
			}
		}
	}
	return Wrap(err, attempted, Secret(key, secret), Fields(value, key))
}

// render returns every rendering of err, the log line without its time.
func render(err error) string {
	var buf bytes.Buffer
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime})).Error("m", "error", err)
	return fmt.Sprintf("%v|%+v|%q|%s", err, err, err, buf.String())
}

func FuzzFormat(f *testing.F) {
	f.Add("charging customer 42", "check the card", "customer", "connection refused", "4111 1111 1111 1111", uint8(5), false)
	f.Add("", "", "", "", "", uint8(0), false)
	f.Add("a\nb", "r\x00", "k=v", "\"quoted\"", "s", uint8(39), true)
	f.Fuzz(func(t *testing.T, attempted, remedy, key, value, secret string, depth uint8, joined bool) {
		err := fuzzChain(attempted, remedy, key, value, secret, depth, joined)
		msg := err.Error()
		if msg == "" {
			t.Fatal("empty message")
		}
		detail := fmt.Sprintf("%+v", err)
		if !strings.HasPrefix(detail, msg+"\n") {
			t.Fatalf("%%+v does not start with the message:\n%s", detail)
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Error("m", "error", err)
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("invalid JSON: %s", buf.String())
		}
		// The secret must not influence any rendering: the same chain with
		// another secret renders identically.
		other := fuzzChain(attempted, remedy, key, value, secret+"x", depth, joined)
		if a, b := render(err), render(other); a != b {
			t.Fatalf("a secret changed the output:\n%.2000s\n%.2000s", a, b)
		}
	})
}

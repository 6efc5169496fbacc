package grpcmw_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/vitals-go/vitals/middleware/grpcmw"
	"github.com/vitals-go/vitals/reqid"
	"github.com/vitals-go/vitals/stats"
	"github.com/vitals-go/vitals/stats/statstest"
)

// hostileIDs are inbound request IDs that must be replaced, never logged
// raw. The gRPC client sends printable ASCII only; the others go over a raw
// HTTP/2 connection, as an attacker would send them.
var hostileIDs = []struct {
	name string
	id   string
	raw  bool
}{
	{"json injection", `abc","level":"ERROR","msg":"forged`, false},
	{"spaces and quotes", `id with "quotes" and 'more'`, false},
	{"too long", strings.Repeat("a", reqid.MaxLen+1), false},
	{"1 MB", strings.Repeat("x", 1<<20), false},
	{"bidi override", "abc\u202edef\u2066", true},
	{"invalid UTF-8", "abc\xff\xfe\xc0", true},
	{"non-ASCII", "caf\u00e9", true},
}

func TestHostileRequestIDsReplaced(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: stats.Discard})
	addr := startServer(t, sink.logger(), srv.ServerOptions()...)
	cc := dial(t, addr)

	// A call with no inbound ID: its record is the baseline for the size
	// of a record.
	_, err := callUnary(t.Context(), cc, "id")
	require.NoError(t, err)
	baseline := sink.waitRecords(t, "request", 1)
	baseLen := len(sink.Lines()[len(sink.Lines())-1])
	require.Len(t, baseline, 1)

	for _, h := range hostileIDs {
		t.Run(h.name, func(t *testing.T) {
			before := len(sink.Lines())
			var got, echoed string
			if h.raw {
				var code string
				got, echoed, code = rawCall(t, addr, methodUnary, h.id)
				require.Equal(t, "0", code, "the call succeeds")
			} else {
				var header metadata.MD
				ctx := metadata.AppendToOutgoingContext(t.Context(), "x-request-id", h.id)
				reply, err := callUnary(ctx, cc, "log", grpc.Header(&header))
				require.NoError(t, err)
				got, echoed = reply, header.Get("x-request-id")[0]
			}
			assert.True(t, isHexID(got), "replaced by a new ID: %q", got)
			assert.Equal(t, got, echoed, "the new ID is echoed")

			var lines []string
			require.Eventually(t, func() bool {
				lines = sink.Lines()[before:]
				return strings.Contains(strings.Join(lines, "\n"), `"msg":"request"`)
			}, 5*time.Second, time.Millisecond)
			text := strings.Join(lines, "\n")
			assert.NotContains(t, text, h.id[:min(len(h.id), 40)], "never logged raw")
			assert.True(t, utf8.ValidString(text))
			assert.NotContains(t, text, "\u202e")
			for _, line := range lines {
				assert.Less(t, len(line), baseLen+200, "the record grows by less than 200 bytes: %s", line)
			}
			rec := sink.records(t, "request")
			r := rec[len(rec)-1]
			assert.Equal(t, got, r["request_id"])
			assert.Equal(t, reqid.Describe(h.id), r["request_id_rejected"])
			if !h.raw {
				inside := sink.records(t, "inside the handler")
				assert.Equal(t, reqid.Describe(h.id), inside[len(inside)-1]["request_id_rejected"],
					"the handler's records say the inbound ID was replaced")
			}
		})
	}
}

// TestControlCharacterIDs calls the interceptor directly: HTTP/2 framing
// already refuses control characters in header values, but metadata may
// come from elsewhere (an in-process transport, a custom one).
func TestControlCharacterIDs(t *testing.T) {
	var sink logSink
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: stats.Discard})
	for _, id := range []string{"a\nb", "a\x00b", "\r\n{\"forged\":1}", "a\tb", "\x1b[31mred"} {
		ctx := metadata.NewIncomingContext(t.Context(), metadata.Pairs("x-request-id", id))
		var seen string
		_, err := srv.Unary(ctx, nil, &grpc.UnaryServerInfo{FullMethod: methodUnary}, func(ctx context.Context, _ any) (any, error) {
			seen, _ = reqid.From(ctx)
			return nil, nil
		})
		require.NoError(t, err)
		assert.True(t, isHexID(seen), "%q replaced by %q", id, seen)
	}
	recs := sink.records(t, "request")
	assert.Len(t, recs, 5)
	for _, r := range recs {
		assert.False(t, hasControl(r), "no control character reaches a record, even escaped by JSON: %v", r)
		assert.Contains(t, r["request_id_rejected"], "len=")
	}
}

// hasControl reports whether a decoded JSON value holds a string with a
// control character.
func hasControl(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
	case map[string]any:
		for _, x := range v {
			if hasControl(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if hasControl(x) {
				return true
			}
		}
	}
	return false
}

// rawCall sends one unary call to path with the request ID header id over a
// hand-made HTTP/2 connection, bypassing the gRPC client's checks. It
// returns the handler's reply (the ID it saw), the echoed header and the
// grpc-status.
func rawCall(t *testing.T, addr, path, id string) (reply, echoed, grpcStatus string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
	_, err = io.WriteString(conn, http2.ClientPreface)
	require.NoError(t, err)
	fr := http2.NewFramer(conn, conn)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	require.NoError(t, fr.WriteSettings())

	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{
		{":method", "POST"}, {":scheme", "http"}, {":path", path}, {":authority", addr},
		{"content-type", "application/grpc"}, {"te", "trailers"}, {"x-request-id", id},
	} {
		require.NoError(t, enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]}))
	}
	require.NoError(t, fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndHeaders: true}))
	msg, err := proto.Marshal(wrapperspb.String("id"))
	require.NoError(t, err)
	body := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(msg)))
	require.NoError(t, fr.WriteData(1, true, append(body, msg...)))

	for grpcStatus == "" {
		f, err := fr.ReadFrame()
		require.NoError(t, err)
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				require.NoError(t, fr.WriteSettingsAck())
			}
		case *http2.MetaHeadersFrame:
			for _, hf := range f.Fields {
				switch hf.Name {
				case "x-request-id":
					echoed = hf.Value
				case "grpc-status":
					grpcStatus = hf.Value
				}
			}
		case *http2.DataFrame:
			data := f.Data()
			require.GreaterOrEqual(t, len(data), 5)
			out := new(wrapperspb.StringValue)
			require.NoError(t, proto.Unmarshal(data[5:], out))
			reply = out.Value
		case *http2.RSTStreamFrame, *http2.GoAwayFrame:
			t.Fatalf("the server refused the call: %v", f)
		}
	}
	return reply, echoed, grpcStatus
}

// TestHostileMethodNames: a server with grpc.UnknownServiceHandler passes
// any path to the stream interceptor; the records and tags get a bounded,
// escaped form.
func TestHostileMethodNames(t *testing.T) {
	var sink logSink
	rec := statstest.New()
	srv := newServer(t, grpcmw.ServerConfig{Logger: sink.logger(), Stats: rec})
	addr := startServer(t, nil, append(srv.ServerOptions(), grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(codes.Unimplemented, "no such method")
	}))...)

	for _, path := range []string{"/x.Y/ab\u202ecd\xff", "/x.Y/" + strings.Repeat("z", 8<<10)} {
		_, _, code := rawCall(t, addr, path, "ok-id")
		require.Equal(t, "12", code, "Unimplemented")
	}
	recs := sink.waitRecords(t, "request", 2)
	for _, r := range recs {
		m := r["method"].(string)
		assert.Less(t, len(m), 300)
		assert.True(t, strings.HasPrefix(m, `"/x.Y/`), m)
		assert.NotContains(t, m, "\u202e")
		assert.Equal(t, "Unimplemented", r["code"])
		assert.Equal(t, "bidi", r["stream"])
	}
	assert.Equal(t, `"/x.Y/ab\u202ecd\xff"`, recs[0]["method"])
	assert.Equal(t, int64(1), rec.Counted(grpcmw.StatServerRequests, stats.T("method", recs[0]["method"].(string)), stats.T("code", "Unimplemented")), rec.Series())
}

package grpcmw_test

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/breaker"
	"github.com/vitals-go/vitals/middleware/grpcmw"
)

// TestServerUserFunctionsPanickingFallBack: a ServerConfig.Level or Skip
// that panics does not break the call: the client gets the handler's
// reply, the record is logged at the default level, and the panic is
// logged naming the option.
func TestServerUserFunctionsPanickingFallBack(t *testing.T) {
	cases := map[string]func(*grpcmw.ServerConfig){
		"ServerConfig.Level": func(c *grpcmw.ServerConfig) {
			c.Level = func(grpcmw.ServerOutcome) slog.Level { panic("level") }
		},
		"ServerConfig.Skip": func(c *grpcmw.ServerConfig) {
			c.Skip = func(grpcmw.ServerOutcome) bool { panic("skip") }
		},
	}
	for option, set := range cases {
		t.Run(option, func(t *testing.T) {
			var sink logSink
			cfg := grpcmw.ServerConfig{Logger: sink.logger()}
			set(&cfg)
			cc := dial(t, startServer(t, nil, newServer(t, cfg).ServerOptions()...))
			for range 2 {
				_, err := callUnary(t.Context(), cc, "id")
				require.NoError(t, err)
			}
			for _, rec := range sink.waitRecords(t, "request", 2) {
				assert.Equal(t, "INFO", rec["level"])
			}
			assert.Equal(t, "run "+option, sink.waitRecords(t, "user function panicked", 2)[0]["attempted"])
		})
	}
}

// TestClientUserFunctionsPanickingFallBack: a ClientConfig.Level,
// IsFailure or BreakerConfig that panics does not break the call: the
// caller gets the reply or the server's code, the breaker uses its
// default, and the panic is logged naming the option.
func TestClientUserFunctionsPanickingFallBack(t *testing.T) {
	cases := map[string]func(*grpcmw.ClientConfig){
		"ClientConfig.Level": func(c *grpcmw.ClientConfig) {
			c.Level = func(grpcmw.ClientOutcome) slog.Level { panic("level") }
		},
		"ClientConfig.IsFailure": func(c *grpcmw.ClientConfig) {
			c.IsFailure = func(codes.Code) bool { panic("is failure") }
		},
		"ClientConfig.BreakerConfig": func(c *grpcmw.ClientConfig) {
			c.BreakerConfig = func(string) breaker.Config { panic("breaker config") }
		},
	}
	for option, set := range cases {
		t.Run(option, func(t *testing.T) {
			var sink logSink
			cfg := grpcmw.ClientConfig{Logger: sink.logger()}
			set(&cfg)
			cc := dial(t, plainServer(t), newClient(t, cfg).DialOptions()...)
			_, err := callUnary(t.Context(), cc, "id")
			require.NoError(t, err)
			_, err = callUnary(t.Context(), cc, "code:NotFound")
			assert.Equal(t, codes.NotFound, status.Code(err))
			recs := sink.waitRecords(t, "outbound request", 2)
			assert.Equal(t, "INFO", recs[0]["level"])
			assert.Equal(t, "run "+option, sink.waitRecords(t, "user function panicked", 1)[0]["attempted"])
		})
	}
}

package grpcmw

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// CodeUnsent is the code tag (and the log record's code) of an outbound
// call refused before it was sent, by its caller's doing: outgoing
// metadata gRPC would refuse to send, a unary request message gRPC could
// not marshal or over the call's MaxCallSendMsgSize, or a caller's context
// already over. The caller gets InvalidArgument, or Canceled or
// DeadlineExceeded; the breaker does not count the call.
const CodeUnsent = "unsent"

// slotUnsent is the stats slot of CodeUnsent.
const slotUnsent = numCodes + 1

// maxQuotedKey bounds how much of a refused metadata key an error quotes.
const maxQuotedKey = 64

// validKey reports whether key has only the characters gRPC allows in a
// metadata key: a-z, 0-9, '-', '_' and '.'.
func validKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return key != ""
}

// metadataRefusal says why gRPC would refuse to send md ("" when it would
// not), as it checks outgoing metadata before sending: an empty key or
// one with other characters than validKey allows, or a text value with a
// byte outside printable ASCII. skip is the request-ID key, whose invalid
// values outgoing replaces instead.
func metadataRefusal(md metadata.MD, skip string) string {
	for k, values := range md {
		if k == skip || strings.HasPrefix(k, ":") {
			continue
		}
		if !validKey(k) {
			return "its metadata key " + strconv.QuoteToASCII(record.Truncate(k, maxQuotedKey)) + " has characters other than a-z, 0-9, '-', '_' and '.'"
		}
		if strings.HasSuffix(k, "-bin") {
			continue
		}
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if v[i] < 0x20 || v[i] > 0x7e {
					return "the value of its metadata key " + strconv.Quote(k) + " has a byte outside printable ASCII"
				}
			}
		}
	}
	return ""
}

// unsentError returns the error of o refused before sending: for a reason
// why (invalid metadata, a request message gRPC would not send) and what to
// fix, InvalidArgument and Permanent; for the caller's
// context over (ctxErr), its code and NotAFailure when cancelled, else
// Transient (nothing reached the target).
func (o *outbound) unsentError(why, fix string, ctxErr error) error {
	if why != "" {
		err := errctx.Wrap(errors.New("call refused before sending: "+why), o.attempted(), errctx.WithClass(errctx.Permanent),
			errctx.Remedy(fix+": it was never sent, so "+o.target+" is not to blame"), o.fields())
		return &statusError{st: status.New(codes.InvalidArgument, err.Error()), err: err}
	}
	class := errctx.Transient
	if errors.Is(ctxErr, context.Canceled) {
		class = errctx.NotAFailure
	}
	return &statusError{st: status.FromContextError(ctxErr), err: errctx.Wrap(ctxErr, o.attempted(), errctx.WithClass(class),
		errctx.Remedy("the caller's context ended before the call was sent; nothing reached "+o.target), o.fields())}
}

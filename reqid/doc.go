// Package reqid makes, validates and carries request IDs, and describes the
// running process.
//
// A request ID is 128 bits from crypto/rand, written as 32 lower-case hex
// digits: safe in a URL, an HTTP header and a log line, and revealing nothing
// about the host, the process or the time. An ID received from a client is
// checked with [Valid] before it is trusted; a rejected value is replaced and
// only ever reported through [Describe].
//
// The smallest complete use:
//
//	id := r.Header.Get("X-Request-Id")
//	if !reqid.Valid(id) {
//		id = reqid.New()
//	}
//	ctx := reqid.With(r.Context(), id)
//	// ... later, anywhere below:
//	id, _ = reqid.From(ctx)
//
// [Process] returns the identity of the running process (service, version,
// host, pid, start time and a random process ID), computed once.
package reqid

package middleware

import "net/http"

// PanicInfo describes a recovered panic to AccessLogConfig.OnPanic.
type PanicInfo struct {
	Value     any      // the value passed to panic
	Stack     []string // "function file:line" frames from the panic, bounded by StackDepth
	RequestID string
	Method    string // bounded and escaped as in the access record (see AccessLogConfig)
	Route     string
	Path      string // without the query string; bounded and escaped as in the access record
}

// panicRemedy is the remedy logged with every recovered panic.
const panicRemedy = "a handler panicked; the client got a 500 carrying only the request_id and the server kept serving: fix the code at the top of stack"

// panicRecord is a recovered panic on its way to the access record.
type panicRecord struct {
	value     any
	stack     []string
	attempted string
}

// writePanicResponse answers 500 with a body that carries only the request
// ID, replacing whatever headers the handler had set for the response it
// never wrote.
func writePanicResponse(w http.ResponseWriter, requestID, idHeader string) {
	h := w.Header()
	keep := h[idHeader]
	clear(h)
	if keep != nil {
		h[idHeader] = keep
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	body := "internal server error\n"
	if requestID != "" {
		body = "internal server error; request_id=" + requestID + "\n"
	}
	_, _ = w.Write([]byte(body))
}

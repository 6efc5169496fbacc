// Package logtest reads back the JSON log lines a test made a program
// write. It is used only by tests: the examples' and middleware's tests
// share it instead of each keeping its own buffer and decoder.
//
// A [Buffer] is the writer to give the logger; [Buffer.Records] decodes
// what was written, failing the test on a line that is not a JSON object,
// and [Buffer.Wait] waits, up to a deadline, for records written by other
// goroutines:
//
//	var logs logtest.Buffer
//	logger := log.New(log.Options{Writer: &logs})
//	go serve(logger)
//	rec := logs.Wait(t, logtest.Msg("request"), 1)[0]
//	assert.Equal(t, "GET /", rec.Str("route"))
//
// [Msg], [Level], [Field] and [All] make the matchers that [Filter], [One]
// and [Buffer.Wait] take.
package logtest

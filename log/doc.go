// Package log adds the context of a request and of the process to every
// slog record, and provides a ready JSON logger and a writer that never
// blocks its caller.
package log

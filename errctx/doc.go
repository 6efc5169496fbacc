// Package errctx makes errors that say what was attempted, what went wrong,
// how to remedy it, and whether trying again can help.
package errctx

package reqid

// MaxLen is the longest inbound request ID that [Valid] accepts, in bytes.
const MaxLen = 64

// Valid reports whether id is acceptable as an inbound request ID: 1 to
// [MaxLen] bytes, each an ASCII letter, digit, '-', '_', '.' or ':'.
func Valid(id string) bool {
	return id != "" && len(id) <= MaxLen
}

// Describe returns a description of a rejected request ID that is safe to
// log: its length and a short escaped prefix, never the raw value.
func Describe(rejected string) string {
	return ""
}

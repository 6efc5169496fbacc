// Package retry repeats an operation only when repeating it is safe.
package retry

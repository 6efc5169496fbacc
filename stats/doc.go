// Package stats sends statsd stats that never block or fail their callers.
package stats

// Package demo is the plumbing the vitals examples share, so that each
// example's own files tell only its story: the command line (-log-level
// everywhere; -serve, -listen, -statsd and -duration for the services that
// drive traffic to themselves), main's signal handling and exit status,
// serving HTTP until stopped, paced self-driven traffic, and the closing
// report's lines on breaker transitions and on what became of the stats
// and log lines.
//
// It is not part of the vitals API: a program copied out of examples/
// takes these few functions with it, or its own versions of them.
package demo

// Package seriestable finds the series of a stat, its name and tags, in a table
// of fixed size without locking or allocating: the table behind the statsd
// emitter (package stats) and the OTel one (package stats/otelstats).
//
// A [Table] is searched twice. First by where the caller's strings live
// ([Addr]): names and tag keys are mostly constants, whose address never
// changes, so a few multiplies find them. Then by a [Seed] hash of their
// whole text, with linear probing in slots that, once taken, keep their
// entry, so that an entry's slot index names it for good. At most half
// the slots are ever taken, so a search always ends at an empty slot.
package seriestable

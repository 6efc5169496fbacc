package stats

import (
	"strconv"
	"strings"
)

// Tag is a key-value pair attached to a stat. Tags are written sorted by
// key; when a key repeats, the last value given wins. On the wire a key has
// none of ; ! ^ = and a value has no ; and does not start with ~ (Graphite's
// rules); neither has a statsd delimiter (: | @ # ,), a space, a control
// character or a non-ASCII byte. Each such byte becomes '_', and an empty
// key or value becomes "_".
type Tag struct {
	Key, Value string
}

// T returns the Tag key=value.
func T(key, value string) Tag { return Tag{Key: key, Value: value} }

// stackTags is how many tags a stat may carry before ordering them allocates.
const stackTags = 16

// NormalizeTags returns tags as they are written on the wire: sanitised,
// sorted by key and de-duplicated (the last value of a key wins). It returns
// nil for no tags.
func NormalizeTags(tags ...Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	var arr [stackTags]int
	ord := tagOrder(tags, arr[:0])
	out := make([]Tag, 0, len(ord))
	for _, i := range ord {
		out = append(out, Tag{
			Key:   string(appendTagKey(nil, tags[i].Key)),
			Value: string(appendTagValue(nil, tags[i].Value)),
		})
	}
	return out
}

// tagOrder appends to ord the indexes of tags in wire order: sorted by
// sanitised key (stable), keeping only the last tag of each key. An
// insertion sort: stats carry a handful of tags.
func tagOrder(tags []Tag, ord []int) []int {
	for i := range tags {
		j := len(ord)
		ord = append(ord, i)
		for j > 0 && compareKeys(tags[ord[j-1]].Key, tags[i].Key) > 0 {
			ord[j] = ord[j-1]
			j--
		}
		ord[j] = i
	}
	out := ord[:0]
	for k, i := range ord {
		if k+1 < len(ord) && compareKeys(tags[i].Key, tags[ord[k+1]].Key) == 0 {
			continue // a later tag has the same key
		}
		out = append(out, i)
	}
	return out
}

// compareKeys compares two keys as they are written on the wire.
func compareKeys(a, b string) int {
	if a == b {
		return 0
	}
	if a == "" {
		a = "_"
	}
	if b == "" {
		b = "_"
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if ca, cb := tagKeyByte(a[i]), tagKeyByte(b[i]); ca != cb {
			return int(ca) - int(cb)
		}
	}
	return len(a) - len(b)
}

// keyBytes and valueBytes map each byte of a tag key, or of a tag value or
// set member, to itself or to '_'. Allowed: printable ASCII other than the
// statsd and Graphite delimiters : | @ # , ; and, in keys, ! ^ =.
var keyBytes, valueBytes = byteMaps()

func byteMaps() (key, value [256]byte) {
	for i := range 256 {
		c := byte(i)
		value[i], key[i] = c, c
		if c <= ' ' || c >= 0x7f || strings.IndexByte(":|@#,;", c) >= 0 {
			value[i], key[i] = '_', '_'
		}
		if c == '!' || c == '^' || c == '=' {
			key[i] = '_'
		}
	}
	return key, value
}

func tagKeyByte(c byte) byte { return keyBytes[c] }

func appendTagKey(b []byte, k string) []byte {
	if k == "" {
		return append(b, '_')
	}
	return appendMapped(b, k, &keyBytes)
}

func appendTagValue(b []byte, v string) []byte {
	if v == "" {
		return append(b, '_')
	}
	start := len(b)
	b = appendMapped(b, v, &valueBytes)
	if b[start] == '~' {
		b[start] = '_'
	}
	return b
}

// appendValue appends a tag value or set member with every byte that could
// break the line replaced by '_'.
func appendValue(b []byte, v string) []byte { return appendMapped(b, v, &valueBytes) }

// appendMapped appends s mapped byte by byte through m, copying it whole
// when no byte changes, the common case.
func appendMapped(b []byte, s string, m *[256]byte) []byte {
	for i := 0; i < len(s); i++ {
		if m[s[i]] != s[i] {
			b = append(b, s[:i]...)
			for ; i < len(s); i++ {
				b = append(b, m[s[i]])
			}
			return b
		}
	}
	return append(b, s...)
}

// TagFormat says how tags are written on the wire.
type TagFormat uint8

const (
	// TagsGraphite writes tags the way Graphite 1.1+ and the statsd daemon
	// read them: name;k1=v1;k2=v2:1|c. The default.
	TagsGraphite TagFormat = iota
	// TagsDogStatsD writes DogStatsD tags: name:1|c|#k1:v1,k2:v2.
	TagsDogStatsD
	// TagsNone drops tags, for servers that know none.
	TagsNone
)

// String returns "graphite", "dogstatsd" or "none".
func (f TagFormat) String() string {
	switch f {
	case TagsGraphite:
		return "graphite"
	case TagsDogStatsD:
		return "dogstatsd"
	case TagsNone:
		return "none"
	}
	return "TagFormat(" + strconv.Itoa(int(f)) + ")"
}

// appendInfixTags appends the Graphite ";k=v" tags, if that is the format.
func (f TagFormat) appendInfixTags(b []byte, tags []Tag) []byte {
	if f != TagsGraphite || len(tags) == 0 {
		return b
	}
	var arr [stackTags]int
	for _, i := range tagOrder(tags, arr[:0]) {
		b = append(b, ';')
		b = appendTagKey(b, tags[i].Key)
		b = append(b, '=')
		b = appendTagValue(b, tags[i].Value)
	}
	return b
}

// appendSuffixTags appends the DogStatsD "|#k:v,k:v" tags, if that is the
// format.
func (f TagFormat) appendSuffixTags(b []byte, tags []Tag) []byte {
	if f != TagsDogStatsD || len(tags) == 0 {
		return b
	}
	var arr [stackTags]int
	b = append(b, "|#"...)
	for n, i := range tagOrder(tags, arr[:0]) {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendTagKey(b, tags[i].Key)
		b = append(b, ':')
		b = appendTagValue(b, tags[i].Value)
	}
	return b
}

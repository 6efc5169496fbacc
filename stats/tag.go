package stats

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tag is a key-value pair attached to a stat. Tags are written sorted by
// their key as written, and when two keys are written the same, the last
// tag given wins. What each character becomes depends on the [TagFormat]:
//
//   - Graphite (the default): ASCII letters, digits, '_', '-' and '.' are
//     kept; a space or ':' becomes '_'; '/' becomes '.'; every other byte
//     (other punctuation, control characters, each byte of a non-ASCII
//     character) becomes '_' and its two upper-case hex digits: "C++" is
//     written "C_2B_2B", "{sku}" "_7Bsku_7D", "José" "Jos_C3_A9". These are
//     the only bytes the statsd daemon passes on to carbon unchanged, so the
//     series Graphite stores has the name vitals wrote.
//   - DogStatsD: valid UTF-8 is kept; a control character, a space and the
//     delimiters : | , # @ ; become '_'; a byte of invalid UTF-8 becomes
//     U+FFFD.
//
// An empty key or value is written "_" in both.
type Tag struct {
	Key, Value string
}

// T returns the Tag key=value.
func T(key, value string) Tag { return Tag{Key: key, Value: value} }

// stackTags is how many tags a stat may carry before ordering them allocates.
const stackTags = 16

// NormalizeTags returns tags as they are written on the wire in the default
// Graphite format (see [Tag]): mapped, sorted by key and de-duplicated (the
// last value of a key wins). It returns nil for no tags.
func NormalizeTags(tags ...Tag) []Tag {
	if len(tags) == 0 {
		return nil
	}
	var arr [stackTags]int
	ord := TagsGraphite.tagOrder(tags, arr[:0])
	out := make([]Tag, 0, len(ord))
	for _, i := range ord {
		out = append(out, Tag{
			Key:   string(appendGraphiteText(nil, tags[i].Key)),
			Value: string(appendGraphiteText(nil, tags[i].Value)),
		})
	}
	return out
}

// tagOrder appends to ord the indexes of tags in wire order: sorted by key
// as f writes it (stable), keeping only the last tag of each key. An
// insertion sort: stats carry a handful of tags.
func (f TagFormat) tagOrder(tags []Tag, ord []int) []int {
	for i := range tags {
		j := len(ord)
		ord = append(ord, i)
		for j > 0 && f.compareKeys(tags[ord[j-1]].Key, tags[i].Key) > 0 {
			ord[j] = ord[j-1]
			j--
		}
		ord[j] = i
	}
	out := ord[:0]
	for k, i := range ord {
		if k+1 < len(ord) && f.compareKeys(tags[i].Key, tags[ord[k+1]].Key) == 0 {
			continue // a later tag has the same key
		}
		out = append(out, i)
	}
	return out
}

// compareKeys compares two keys as f writes them. Keys written unchanged,
// the common case, are compared as they are; others are written into
// buffers on the stack first.
func (f TagFormat) compareKeys(a, b string) int {
	if a == b {
		return 0
	}
	if f.keptKey(a) && f.keptKey(b) {
		return strings.Compare(a, b)
	}
	var ab, bb [64]byte
	return bytes.Compare(f.appendTagText(ab[:0], a), f.appendTagText(bb[:0], b))
}

// keptKey reports whether f writes the key k unchanged.
func (f TagFormat) keptKey(k string) bool {
	if f == TagsGraphite {
		return isGraphiteText(k)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c >= utf8.RuneSelf || dogBytes[c] != c {
			return false
		}
	}
	return k != ""
}

// appendTagText appends a tag key or value as f writes it.
func (f TagFormat) appendTagText(b []byte, s string) []byte {
	if f == TagsGraphite {
		return appendGraphiteText(b, s)
	}
	return appendDogText(b, s)
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
	for _, i := range f.tagOrder(tags, arr[:0]) {
		b = append(b, ';')
		b = appendGraphiteText(b, tags[i].Key)
		b = append(b, '=')
		b = appendGraphiteText(b, tags[i].Value)
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
	for n, i := range f.tagOrder(tags, arr[:0]) {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendDogText(b, tags[i].Key)
		b = append(b, ':')
		b = appendDogText(b, tags[i].Value)
	}
	return b
}

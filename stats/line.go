package stats

import (
	"math"
	"strconv"
	"time"
)

// kind is the type of a stat whose value is a number.
type kind uint8

const (
	kindCount      kind = iota // an int64 count, sampled
	kindTiming                 // an int64 duration in nanoseconds, sampled
	kindGauge                  // float64 bits
	kindGaugeDelta             // float64 bits
)

// appendStat appends the line of one stat: head (name, Graphite tags and
// ':'), the value, its type, the sample rate for counts and timings, and
// tail (DogStatsD tags). A negative gauge is two lines, a reset to 0 and the
// decrement, except in DogStatsD, which reads no sign as a change.
func (s *Statsd) appendStat(b, head, tail []byte, k kind, v uint64) []byte {
	b = append(b, head...)
	switch k {
	case kindCount:
		b = append(append(strconv.AppendInt(b, int64(v), 10), "|c"...), s.rateSuffix...)
	case kindTiming:
		b = append(append(appendMillis(b, time.Duration(v)), "|ms"...), s.rateSuffix...)
	case kindGauge:
		f := math.Float64frombits(v)
		if f < 0 && s.format != TagsDogStatsD {
			b = append(append(append(append(b, "0|g"...), tail...), '\n'), head...)
		}
		b = append(appendFloat(b, f), "|g"...)
	case kindGaugeDelta:
		f := math.Float64frombits(v)
		if f >= 0 {
			b = append(b, '+')
		}
		b = append(appendFloat(b, f), "|g"...)
	}
	return append(b, tail...)
}

// appendSet appends the line of a set member.
func appendSet(b, head, tail []byte, member string) []byte {
	b = append(appendMember(append(b, head...), member), "|s"...)
	return append(b, tail...)
}

// appendMillis appends d in milliseconds with up to six decimals. The
// sending goroutine formats every timing with it, so it writes the
// decimals two at a time from a table, with unsigned arithmetic.
func appendMillis(b []byte, d time.Duration) []byte {
	ns := max(int64(d), -math.MaxInt64) // so that -ns does not overflow
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	ms := uint64(ns) / 1e6
	switch {
	case ms < 10:
		b = append(b, byte('0'+ms))
	case ms < 100:
		b = append(b, pairs[2*ms], pairs[2*ms+1])
	default:
		b = strconv.AppendUint(b, ms, 10)
	}
	frac := uint32(uint64(ns) - ms*1e6)
	if frac == 0 {
		return b
	}
	hi, mid, lo := frac/1e4, frac/100%100, frac%100
	n := len(b)
	b = append(b, ".000000"...)
	dec := b[n+1 : n+7]
	dec[0], dec[1] = pairs[2*hi], pairs[2*hi+1]
	dec[2], dec[3] = pairs[2*mid], pairs[2*mid+1]
	dec[4], dec[5] = pairs[2*lo], pairs[2*lo+1]
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// pairs holds the two digits of 0 to 99, in order.
const pairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// appendFloat appends v in plain decimal notation, or with an exponent when
// it is very large or very small.
func appendFloat(b []byte, v float64) []byte {
	if a := math.Abs(v); a == 0 || a >= 1e-6 && a < 1e15 {
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

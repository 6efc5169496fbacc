package log

import (
	"errors"
	"slices"
	"time"
)

// Seconds since the Unix epoch of the first instant of year 0 and of year
// 10000, between which RFC 3339 can write a time.
const (
	minRFC3339Unix = -62167219200
	endRFC3339Unix = 253402300800
	secondsPerDay  = 86400
)

// errYearRange is what slog writes before a time it cannot write as RFC 3339.
var errYearRange = errors.New("time.Time year outside of range [0,9999]")

// appendJSONTime appends t as slog's JSON handler does: quoted, in
// time.RFC3339Nano, in t's own location.
//
// It writes the digits itself from t.Zone's offset rather than calling
// t.AppendFormat, which does the same computation (the date of the offset
// wall clock, the nanoseconds with trailing zeros trimmed, "Z" for a zero
// offset, else the offset in whole minutes) more slowly; the tests compare
// the two on every day of a 400-year cycle of the calendar and on every
// fourth day of years 400 to 9999, in 14 zones. A year outside 0 to 9999,
// which slog prefixes with an error, and an offset of a day or more take
// slog's own path.
func (e *encoder) appendJSONTime(t time.Time) {
	_, offset := t.Zone()
	unix := t.Unix()
	// Offsets of a day or more (a FixedZone can have them) may need three
	// digits of hours; bounding unix first keeps unix+offset from
	// overflowing.
	if offset <= -secondsPerDay || offset >= secondsPerDay ||
		unix < minRFC3339Unix-secondsPerDay || unix >= endRFC3339Unix+secondsPerDay ||
		unix+int64(offset) < minRFC3339Unix || unix+int64(offset) >= endRFC3339Unix {
		e.appendTimeOutOfRange(t)
		return
	}
	wall := uint64(unix + int64(offset) - minRFC3339Unix) // seconds since 0000-01-01T00:00:00
	year, month, day := civil(uint32(wall / secondsPerDay))
	sec := uint32(wall % secondsPerDay)

	// Written in place, in room for the longest:
	// "2006-01-02T15:04:05.999999999-07:00", quoted.
	const longest = len(`"2006-01-02T15:04:05.999999999-07:00"`)
	b := slices.Grow(e.buf, longest)
	d := b[len(b) : len(b)+longest]
	d[0] = '"'
	put2(d[1:], year/100)
	put2(d[3:], year%100)
	d[5] = '-'
	put2(d[6:], month)
	d[8] = '-'
	put2(d[9:], day)
	d[11] = 'T'
	put2(d[12:], sec/3600)
	d[14] = ':'
	put2(d[15:], sec/60%60)
	d[17] = ':'
	put2(d[18:], sec%60)
	n := 20
	if ns := uint32(t.Nanosecond()); ns != 0 {
		d[n] = '.'
		hi, lo := ns/100000, ns%100000 // four digits, five digits
		put2(d[n+1:], hi/100)
		put2(d[n+3:], hi%100)
		put2(d[n+5:], lo/1000)
		put2(d[n+7:], lo/10%100)
		d[n+9] = byte('0' + lo%10)
		n += 10
		for d[n-1] == '0' { // RFC3339Nano's .999999999 drops trailing zeros
			n--
		}
	}
	if offset == 0 {
		d[n] = 'Z'
		n++
	} else {
		// Whole minutes, truncated toward zero, as time.Time.AppendFormat.
		zone := offset / 60
		d[n] = '+'
		if zone < 0 {
			d[n] = '-'
			zone = -zone
		}
		put2(d[n+1:], uint32(zone/60))
		d[n+3] = ':'
		put2(d[n+4:], uint32(zone%60))
		n += 6
	}
	d[n] = '"'
	e.buf = b[:len(b)+n+1]
}

// appendTimeOutOfRange is slog's appendJSONTime, for the times
// appendJSONTime leaves to it: for a year outside [0,9999], the error as a
// string, then, for any, the time as AppendFormat writes it. The two
// strings follow each other without a separator, as in slog.
func (e *encoder) appendTimeOutOfRange(t time.Time) {
	if y := t.Year(); y < 0 || y >= 10000 {
		e.appendError(errYearRange)
	}
	e.buf = append(e.buf, '"')
	e.buf = t.AppendFormat(e.buf, time.RFC3339Nano)
	e.buf = append(e.buf, '"')
}

// civil returns the date of the given day, counted from 0000-01-01 in the
// proleptic Gregorian calendar. It is the algorithm of Neri and Schneider
// ("Euclidean affine functions and their application to calendar
// algorithms", 2022, figure 12) that package time uses too, on days
// counted from 0000-03-01 so that the leap day ends the computed year,
// shifted by 400 years to keep the days before it positive.
func civil(days uint32) (year, month, day uint32) {
	const shift = 146097 - 60 // 400 years, less January and February of year 0
	n1 := 4*(days+shift) + 3
	century := n1 / 146097
	n2 := n1%146097 | 3 // 4*(day of the century)+3
	p2 := uint64(2939745) * uint64(n2)
	yearOfCentury := uint32(p2 >> 32)
	dayOfYear := uint32(p2) / 2939745 / 4 // from March 1st
	n3 := 2141*dayOfYear + 197913
	month, day = n3>>16, (n3&0xFFFF)/2141+1
	year = 100*century + yearOfCentury
	if dayOfYear >= 306 { // January and February: the next year
		year++
		month -= 12
	}
	return year - 400, month, day
}

// put2 writes v, below 100, as two digits.
func put2(b []byte, v uint32) {
	_ = b[1]
	b[0], b[1] = twoDigits[2*v], twoDigits[2*v+1]
}

// twoDigits holds "00" to "99".
const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" + "60616263646566676869" +
	"70717273747576777879" + "80818283848586878889" + "90919293949596979899"

package graphite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Series is one series of a render answer.
type Series struct {
	// Target is the series' name as graphite-web gives it.
	Target string
	// Points are the datapoints, oldest first.
	Points []Point
}

// Point is one datapoint. Valid is false for a null: no value was stored
// for that interval.
type Point struct {
	Time  time.Time
	Value float64
	Valid bool
}

// Parse decodes a render answer in format=json: a list of objects with a
// "target" and "datapoints", each datapoint [value or null, unix seconds].
// Anything else (a list with something else in it, a datapoint of another
// shape, a time that is not a whole number of seconds, a value that is not
// finite) is an error saying where.
func Parse(body []byte) ([]Series, error) {
	var raw []struct {
		Target     *string     `json:"target"`
		Datapoints []datapoint `json:"datapoints"`
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '[' {
		return nil, errors.New("not the JSON list of series of the render API: it does not start with [")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not the JSON list of series of the render API: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not the JSON list of series of the render API: text after the list")
	}
	out := make([]Series, len(raw))
	for i, r := range raw {
		if r.Target == nil {
			return nil, fmt.Errorf("series %d has no target", i)
		}
		out[i] = Series{Target: *r.Target, Points: make([]Point, len(r.Datapoints))}
		for j, dp := range r.Datapoints {
			if dp.err != "" {
				return nil, fmt.Errorf("series %d datapoint %d: %s", i, j, dp.err)
			}
			out[i].Points[j] = dp.Point
		}
	}
	return out, nil
}

// datapoint is one [value or null, unix seconds], read by hand: the
// decoder has already checked that it is valid JSON, and reading it
// without reflection is several times faster than json.Unmarshal. What is
// wrong with it is kept in err, to be reported with its position.
type datapoint struct {
	Point
	err string
}

// UnmarshalJSON reads one datapoint; it never fails, so that the
// problem is reported with the series and datapoint it is in.
func (d *datapoint) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		d.err = fmt.Sprintf("%.40q is not [value, time]", b)
		return nil
	}
	inner := b[1 : len(b)-1]
	if n := bytes.Count(inner, []byte(",")) + 1; n != 2 {
		if len(bytes.TrimSpace(inner)) == 0 {
			n = 0
		}
		d.err = fmt.Sprintf("has %d elements, not [value, time]", n)
		return nil
	}
	comma := bytes.IndexByte(inner, ',')
	value, ts := bytes.TrimSpace(inner[:comma]), bytes.TrimSpace(inner[comma+1:])
	t, ok := number(ts)
	if !ok {
		d.err = fmt.Sprintf("time %.40q is not a number", ts)
		return nil
	}
	if t != math.Trunc(t) || t < 0 || t > 1<<40 {
		d.err = fmt.Sprintf("time %v is not whole unix seconds", t)
		return nil
	}
	d.Time = time.Unix(int64(t), 0)
	if string(value) == "null" {
		return nil
	}
	if d.Value, ok = number(value); !ok {
		d.err = fmt.Sprintf("value %.40q is not a number or null", value)
		return nil
	}
	d.Valid = true
	return nil
}

// number parses b, a JSON value, when it is a finite number.
func number(b []byte) (float64, bool) {
	if len(b) == 0 || b[0] != '-' && (b[0] < '0' || b[0] > '9') {
		return 0, false // a string, null, true, false, a list or an object
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

package graphite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
		Target     *string             `json:"target"`
		Datapoints [][]json.RawMessage `json:"datapoints"`
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
	out := make([]Series, 0, len(raw))
	for i, r := range raw {
		if r.Target == nil {
			return nil, fmt.Errorf("series %d has no target", i)
		}
		s := Series{Target: *r.Target, Points: make([]Point, 0, len(r.Datapoints))}
		for j, dp := range r.Datapoints {
			p, err := point(dp)
			if err != nil {
				return nil, fmt.Errorf("series %d datapoint %d: %w", i, j, err)
			}
			s.Points = append(s.Points, p)
		}
		out = append(out, s)
	}
	return out, nil
}

// point decodes one [value or null, unix seconds].
func point(dp []json.RawMessage) (Point, error) {
	if len(dp) != 2 {
		return Point{}, fmt.Errorf("has %d elements, not [value, time]", len(dp))
	}
	var ts float64
	if isNull(dp[1]) || json.Unmarshal(dp[1], &ts) != nil {
		return Point{}, fmt.Errorf("time %.40q is not a number", dp[1])
	}
	if ts != math.Trunc(ts) || ts < 0 || ts > 1<<40 {
		return Point{}, fmt.Errorf("time %v is not whole unix seconds", ts)
	}
	p := Point{Time: time.Unix(int64(ts), 0)}
	if isNull(dp[0]) {
		return p, nil
	}
	if err := json.Unmarshal(dp[0], &p.Value); err != nil {
		return Point{}, fmt.Errorf("value %.40q is not a number or null", dp[0])
	}
	p.Valid = true
	return p, nil
}

// isNull reports whether v is JSON's null, which json.Unmarshal would
// leave as a zero.
func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

package stats

// Tag is a key-value pair attached to a stat.
type Tag struct {
	Key, Value string
}

// T returns the Tag key=value.
func T(key, value string) Tag { return Tag{Key: key, Value: value} }

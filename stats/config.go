package stats

import (
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/cactus/go-statsd-client/v5/statsd"

	"github.com/vitals-go/vitals/errctx"
)

// Defaults used for a zero Config field.
const (
	DefaultAddr          = "127.0.0.1:8125"
	DefaultFlushInterval = time.Second
	DefaultMaxPacketSize = 1432 // fits an Ethernet MTU of 1500 with IPv6 and UDP headers
	DefaultQueueSize     = 16384
	DefaultCloseTimeout  = time.Second
)

// AddrEnv names the environment variable read for a zero Config.Addr.
const AddrEnv = "STATSD_ADDR"

// Config configures [NewStatsd]. The zero value sends to $STATSD_ADDR (or
// 127.0.0.1:8125) with no prefix, Graphite tags, 1432-byte packets, no
// sampling and a one-second flush interval.
type Config struct {
	// Addr is the statsd server as host:port. Default: the STATSD_ADDR
	// environment variable, else 127.0.0.1:8125. A host name that does not
	// resolve yet is not an error: it is resolved again in the background
	// and what cannot be sent meanwhile is dropped and counted.
	Addr string

	// Prefix is put before every name, followed by a dot; it is sanitised
	// like a name. Default: none.
	Prefix string

	// FlushInterval is how often handle values are sent and a partly filled
	// packet goes out. Full packets go out at once. Default: 1s.
	FlushInterval time.Duration

	// MaxPacketSize is the largest UDP payload sent, in bytes, between 64
	// and 65507. Lines are packed into packets up to this size. Default:
	// 1432, which needs no IP fragmentation on an Ethernet path.
	MaxPacketSize int

	// TagFormat says how tags are written. Default: TagsGraphite.
	TagFormat TagFormat

	// SampleRate, in (0, 1], is the share of Count and Timing calls by name
	// that are sent, marked "|@rate" so the server scales them back up.
	// Gauges, sets and handles are never sampled. Default (0): 1, send all.
	SampleRate float64

	// QueueSize is how many 64-byte places hold stats waiting for the
	// sending goroutine, rounded up to a power of two, at most 1<<24. A
	// stat of a cached series takes one place; a line formatted by its
	// caller (a set member, or a series beyond the cache) one per 54 bytes.
	// When the queue is full, stats are dropped and counted. Default: 16384
	// (1 MiB).
	QueueSize int

	// CloseTimeout bounds how long Close waits for the queue to be sent;
	// up to half of it goes to waiting for callers still queueing a stat.
	// Default: 1s.
	CloseTimeout time.Duration

	// Sender, if set, writes the packets instead of a UDP socket to Addr;
	// it is any github.com/cactus/go-statsd-client/v5/statsd.Sender, such as
	// cactus' ResolvingSimpleSender. Send is called from one goroutine
	// only; a Send that blocks holds up sending, never the callers, and a
	// Send that panics is a send error. Statsd closes it from the same
	// goroutine once the last Send returned; Close reports a Close that
	// panics or fails, and stops waiting for one that hangs after
	// CloseTimeout.
	Sender statsd.Sender
}

// withDefaults returns cfg with zero fields set to their defaults, or an
// errctx error naming the first invalid field.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Addr == "" {
		cfg.Addr = os.Getenv(AddrEnv)
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.FlushInterval == 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	if cfg.MaxPacketSize == 0 {
		cfg.MaxPacketSize = DefaultMaxPacketSize
	}
	if cfg.SampleRate == 0 {
		cfg.SampleRate = 1
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.CloseTimeout == 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	var field, value, remedy string
	switch {
	case cfg.Sender == nil && !validAddr(cfg.Addr):
		field, value = "Addr", strconv.Quote(cfg.Addr)
		remedy = "set Addr (or " + AddrEnv + ") to host:port with a port from 1 to 65535, e.g. " + DefaultAddr
	case cfg.FlushInterval < 0:
		field, value = "FlushInterval", cfg.FlushInterval.String()
		remedy = "set FlushInterval to a positive duration, or 0 for the default of 1s"
	case cfg.MaxPacketSize < 64 || cfg.MaxPacketSize > 65507:
		field, value = "MaxPacketSize", strconv.Itoa(cfg.MaxPacketSize)
		remedy = "set MaxPacketSize between 64 and 65507 bytes, or 0 for the default of 1432"
	case cfg.TagFormat > TagsNone:
		field, value = "TagFormat", cfg.TagFormat.String()
		remedy = "use TagsGraphite, TagsDogStatsD or TagsNone"
	case !(cfg.SampleRate > 0 && cfg.SampleRate <= 1):
		field, value = "SampleRate", strconv.FormatFloat(cfg.SampleRate, 'g', -1, 64)
		remedy = "set SampleRate in (0, 1], or 0 to send everything"
	case cfg.QueueSize < 0 || cfg.QueueSize > 1<<24:
		field, value = "QueueSize", strconv.Itoa(cfg.QueueSize)
		remedy = "set QueueSize between 1 and 16777216, or 0 for the default of 16384"
	case cfg.CloseTimeout < 0:
		field, value = "CloseTimeout", cfg.CloseTimeout.String()
		remedy = "set CloseTimeout to a positive duration, or 0 for the default of 1s"
	default:
		cfg.QueueSize = 1 << bitsFor(cfg.QueueSize)
		return cfg, nil
	}
	return cfg, errctx.New(
		fmt.Sprintf("configuring the statsd emitter: field %s is %s", field, value),
		errctx.WithClass(errctx.Permanent),
		errctx.Fields("field", field, "value", value),
		errctx.Remedy(remedy),
	)
}

// bitsFor returns the smallest b with 1<<b >= n.
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// validAddr reports whether addr is host:port with a numeric port in range.
// It does not resolve the host.
func validAddr(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	p, err := strconv.Atoi(port)
	return err == nil && p > 0 && p <= math.MaxUint16
}

package graphite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vitals-go/vitals/errctx"
	"github.com/vitals-go/vitals/internal/record"
)

// MaxAnswer bounds the render answer read, so that a wrong URL serving a
// large file, or a target matching thousands of series, cannot exhaust
// memory.
const MaxAnswer = 32 << 20

// Client reads graphite-web's render API.
type Client struct {
	// URL is graphite-web's base URL, such as http://127.0.0.1:8080.
	URL string
	// HTTP sends the requests; nil means http.DefaultClient. The deadline
	// is Render's ctx.
	HTTP *http.Client
}

// Render returns the series target matches between from and until (whole
// seconds), as graphite-web gives them: none when it matches nothing.
func (c Client) Render(ctx context.Context, target string, from, until time.Time) ([]Series, error) {
	attempted := "read " + record.Quote(target, 200) + " from graphite-web at " + record.Safe(c.URL, 200)
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errctx.Wrap(errors.New("it is not an http:// or https:// URL"), attempted,
			errctx.WithClass(errctx.Permanent), errctx.Remedy("give graphite-web's base URL, such as http://127.0.0.1:8080"))
	}
	q := url.Values{
		"target": {target},
		"format": {"json"},
		"from":   {strconv.FormatInt(from.Unix(), 10)},
		"until":  {strconv.FormatInt(until.Unix(), 10)},
	}
	endpoint := strings.TrimRight(c.URL, "/") + "/render?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, errctx.Wrap(err, attempted, errctx.Remedy("give graphite-web's base URL, such as http://127.0.0.1:8080"))
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		remedy := "check that graphite-web runs and listens there (host, port, firewall)"
		if errors.Is(err, context.DeadlineExceeded) {
			remedy = "graphite-web did not answer in time; check its load, or raise --timeout"
		}
		return nil, errctx.Wrap(err, attempted, errctx.Remedy(remedy))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return nil, errctx.Wrap(err, attempted+": reading the answer", errctx.Remedy("try again; check graphite-web's log if it persists"))
	}
	if resp.StatusCode != http.StatusOK {
		remedy := "check graphite-web's log"
		if resp.StatusCode == http.StatusBadRequest {
			remedy = "check the target's syntax (functions, quotes, parentheses)"
		} else if resp.StatusCode == http.StatusNotFound {
			remedy = "check the URL: it must be graphite-web's base URL, which serves /render"
		}
		return nil, errctx.New(fmt.Sprintf("%s: it answered %s: %s", attempted, record.Safe(resp.Status, 60), record.Safe(string(body), 200)),
			errctx.Remedy(remedy))
	}
	if len(body) > MaxAnswer {
		return nil, errctx.New(fmt.Sprintf("%s: the answer is larger than %d bytes", attempted, MaxAnswer),
			errctx.Remedy("narrow the target: it matches too many series"))
	}
	series, err := Parse(body)
	if err != nil {
		return nil, errctx.Wrap(errors.New(record.Safe(err.Error(), 300)), attempted,
			errctx.Remedy("check the URL: it must be graphite-web's base URL (the render API answers JSON)"))
	}
	return series, nil
}

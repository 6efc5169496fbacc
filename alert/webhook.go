package alert

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultWebhookTimeout bounds one POST of a Webhook whose Timeout is zero.
const DefaultWebhookTimeout = 10 * time.Second

// WebhookConfig configures NewWebhook. Only URL is required.
type WebhookConfig struct {
	// URL is where each event is POSTed, such as a Slack or Mattermost
	// incoming webhook. Its path may be a secret token: errors and logs
	// name only its scheme and host.
	URL string
	// Name is the sink's name in stats and logs; empty means "webhook".
	Name string
	// Header is sent with every POST, such as Authorization. NewWebhook
	// refuses a header that would not be sent as given: Content-Type (the
	// body is application/json), Idempotency-Key (the sink's), Host,
	// Content-Length, Transfer-Encoding and Trailer (net/http's), and a
	// name or value net/http would not send (a name that is not a token,
	// a value with a control character), which would fail every POST.
	Header http.Header
	// Timeout bounds one POST (DefaultWebhookTimeout when zero). Send's
	// ctx bounds it too: under a Notifier, Config.Timeout ends a longer
	// POST first.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own with
	// bounded dial and idle timeouts, which Close releases.
	Client *http.Client
}

// Webhook is a Sink that POSTs each event as one JSON object: "text" is
// the alert's text for a person (the SMTP body, escaped as Slack's
// mrkdwn wants, so that alert text cannot mention @channel or forge a
// link), which is all a Slack-compatible incoming webhook reads; the other
// members carry the event for a program: summary, severity, status,
// fingerprint, service, host, remedy, error, request_id, trace_id,
// span_id, occurrence, suppressed, first_seen, last_seen and fields.
//
// A webhook is right for a chat channel or a home-made receiver; it costs
// one HTTP request per event (keep-alive connections are reused). A
// destination that is down fails each Send, Transient (the Notifier's
// breaker then drops events, counted); one that throttles with a 429 or
// 503 and a Retry-After holds the breaker open that long (MaxRetryAfter
// at most); another 4xx is
// Permanent; another status is Transient. At most 64 KiB of an answer is
// read. A POST that met a keep-alive connection the server had closed is
// sent again on a new one, so a restart of the destination rarely shows
// an alert twice.
type Webhook struct {
	cfg WebhookConfig
	p   httpPost
}

// NewWebhook returns the sink, or an errctx error naming the invalid field
// of cfg.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	rules := []rule{
		{cfg.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "",
			"URL", "is not an http(s) URL", "set the webhook's URL, such as https://hooks.slack.com/services/..."},
		notNegative("Timeout", cfg.Timeout),
	}
	for k, vs := range cfg.Header {
		field := "Header[" + k + "]"
		remedy, ownHeader := ownHeaders[http.CanonicalHeaderKey(k)]
		rules = append(rules, rule{ownHeader, field, "is written by the sink or net/http, never as given", remedy},
			rule{!httpguts.ValidHeaderFieldName(k), field, "is not a header name net/http sends", "name it with letters, digits and - only"})
		for _, v := range vs {
			rules = append(rules, rule{!httpguts.ValidHeaderFieldValue(v), field, "has a line break or another control character",
				"give one line of text"})
		}
	}
	if err := checkConfig("WebhookConfig", rules...); err != nil {
		return nil, err
	}
	cfg.Name = or(cfg.Name, "webhook")
	cfg.Timeout = or(cfg.Timeout, DefaultWebhookTimeout)
	client := cfg.Client
	if client == nil {
		client = defaultHTTPClient()
	}
	shown := u.Scheme + "://" + u.Host
	return &Webhook{cfg: cfg, p: httpPost{client: client, endpoint: cfg.URL, shown: shown, header: cfg.Header.Clone(),
		remedy: "check that the webhook at " + shown + " is up and reachable"}}, nil
}

// ownHeaders are the headers WebhookConfig.Header cannot set, each with its
// remedy: the sink writes them, or net/http writes them from the request.
var ownHeaders = map[string]string{
	"Content-Type":      "leave it out; the body is JSON",
	"Idempotency-Key":   "leave it out; the sink sends it so that net/http may resend a POST a closed keep-alive connection lost",
	"Host":              "put the host in the URL",
	"Content-Length":    "leave it out; net/http writes it from the body",
	"Transfer-Encoding": "leave it out; net/http writes it from the body",
	"Trailer":           "leave it out; the body has no trailers",
}

// Name returns the configured name, "webhook" by default.
func (w *Webhook) Name() string { return w.cfg.Name }

// Send POSTs ev; see Webhook for the body and the errors.
func (w *Webhook) Send(ctx context.Context, ev Event) error {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	return w.p.post(ctx, webhookBody(ev))
}

// Close closes the idle connections of the sink's own client (not those
// of a Config.Client). Send still works after it.
func (w *Webhook) Close() error {
	if w.cfg.Client == nil {
		w.p.client.CloseIdleConnections()
	}
	return nil
}

// webhookPayload is the JSON body of one POST.
type webhookPayload struct {
	Text        string            `json:"text"`
	Summary     string            `json:"summary"`
	Severity    string            `json:"severity"`
	Status      string            `json:"status"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	Service     string            `json:"service,omitempty"`
	Host        string            `json:"host,omitempty"`
	Remedy      string            `json:"remedy,omitempty"`
	Error       string            `json:"error,omitempty"`
	RequestID   string            `json:"request_id,omitempty"`
	TraceID     string            `json:"trace_id,omitempty"`
	SpanID      string            `json:"span_id,omitempty"`
	Occurrence  int64             `json:"occurrence,omitempty"`
	Suppressed  int64             `json:"suppressed,omitempty"`
	FirstSeen   time.Time         `json:"first_seen,omitzero"`
	LastSeen    time.Time         `json:"last_seen,omitzero"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// webhookBody maps ev to the JSON body; the structured members carry the
// text as it is (JSON escapes it), only "text" is for a person.
func webhookBody(ev Event) webhookPayload {
	p := webhookPayload{
		Text: slackEscape(body(ev)), Summary: ev.Summary, Severity: ev.Severity.String(), Status: ev.Status.String(),
		Fingerprint: ev.Fingerprint, Service: ev.Process.Service, Host: ev.Process.Host, Remedy: ev.Remedy,
		RequestID: ev.RequestID, TraceID: ev.TraceID, SpanID: ev.SpanID,
		Occurrence: ev.Occurrence, Suppressed: ev.Suppressed, FirstSeen: ev.FirstSeen, LastSeen: ev.LastSeen,
	}
	if ev.Err != nil {
		p.Error = ev.Err.Error()
	}
	if len(ev.Fields) > 0 {
		p.Fields = make(map[string]string, len(ev.Fields))
		for _, f := range ev.Fields {
			p.Fields[f.Key] = fieldValue(f)
		}
	}
	return p
}

// slackEscape escapes the three characters Slack's mrkdwn gives a meaning
// (<!channel>, <url|text>), as Slack documents.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

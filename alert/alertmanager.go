package alert

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vitals-go/vitals/errctx"
)

// Defaults of a zero AlertmanagerConfig.
const (
	// DefaultAlertmanagerRefresh is how often the sink re-sends the
	// Ongoing alerts that are still firing. Alertmanager resolves an alert
	// that it has not seen for resolve_timeout (5 minutes by default)
	// unless endsAt says otherwise, so a minute keeps a margin of several
	// lost refreshes.
	DefaultAlertmanagerRefresh = time.Minute
	// DefaultAlertmanagerHold is how long a one-shot alert (from Notify or
	// Error) stays firing after it was last seen: endsAt is LastSeen plus
	// this, so a person who opens Alertmanager soon after still sees it.
	DefaultAlertmanagerHold = 15 * time.Minute
	// DefaultAlertmanagerTimeout bounds each refresh POST, which runs in
	// the sink's own goroutine and not under a Send's ctx.
	DefaultAlertmanagerTimeout = 10 * time.Second
	// DefaultAlertmanagerMaxOngoing bounds the firing Ongoing alerts the
	// sink keeps re-sending.
	DefaultAlertmanagerMaxOngoing = 1000
)

// AlertmanagerConfig configures NewAlertmanager. Only URL is required.
type AlertmanagerConfig struct {
	// URL is Alertmanager's base URL, such as http://127.0.0.1:9093 (the
	// sink POSTs to URL/api/v2/alerts).
	URL string
	// Name is the sink's name in stats and logs; empty means
	// "alertmanager".
	Name string
	// AlertName, when set, is the alertname label of every alert, and the
	// Summary is only the summary annotation. Empty means the alertname is
	// the Summary, so that Alertmanager groups and silences by it.
	AlertName string
	// LabelFields are the keys of Alert.Fields sent as labels (for routing,
	// grouping and silences); every other field is sent as an annotation.
	// A label must not carry volatile values (IDs, times, counts): each
	// distinct value is a distinct alert to Alertmanager.
	LabelFields []string
	// GeneratorURL is the generatorURL of every alert: where a person can
	// look at what raised it (a dashboard, a runbook). Optional.
	GeneratorURL string
	// Refresh is how often firing Ongoing alerts are re-sent
	// (DefaultAlertmanagerRefresh when zero). Their endsAt is set to four
	// Refresh periods ahead, so that Alertmanager resolves them by itself
	// only if this process stops refreshing them, as Prometheus does.
	Refresh time.Duration
	// Hold is how long a one-shot alert stays firing after its LastSeen
	// (DefaultAlertmanagerHold when zero).
	Hold time.Duration
	// Timeout bounds each refresh POST (DefaultAlertmanagerTimeout when
	// zero).
	Timeout time.Duration
	// MaxOngoing bounds the Ongoing alerts kept for refresh
	// (DefaultAlertmanagerMaxOngoing when zero). A Send that would track
	// one more still delivers the alert, and returns an error saying that
	// it will not be refreshed.
	MaxOngoing int
	// Client sends the requests; nil means a client of its own with
	// bounded dial and idle timeouts.
	Client *http.Client
}

// Alertmanager is a Sink that delivers events to Prometheus Alertmanager's
// v2 API, which deduplicates, groups, routes and silences alerts from many
// processes. Each event is one alert whose labels are alertname, service,
// severity, fingerprint and the LabelFields, and whose annotations are
// summary, remedy, error, request_id, trace_id, span_id, occurrence,
// suppressed, first_seen and the other fields.
//
// A Firing event with Ongoing set is re-sent every Refresh until a Resolved
// event with the same fingerprint arrives or Close is called; the Resolved
// event is sent with the labels of the firing one and endsAt now, so that
// Alertmanager resolves exactly that alert. A Resolved event that the
// Notifier dropped (queue full, rate limit, breaker open, after Close) or
// that failed to post still stops the refresh at once, and its resolution
// is posted at once and again with each refresh until Alertmanager accepts
// it; were this sink closed first, the alert would still resolve at the
// endsAt of its last refresh. A one-shot event has endsAt LastSeen + Hold.
//
// Alertmanager is right when several processes or machines raise alerts
// that people want grouped, deduplicated, silenced and routed in one
// place; it costs one HTTP request per event plus one per Refresh for all
// the ongoing alerts together. When it is down, Sends fail Transient and
// the Notifier's breaker drops events, counted; the ongoing alerts it
// already holds stay firing until their endsAt (four Refresh periods), and
// the first refresh after it is back posts them again.
//
// Send's errors are errctx errors: a connection refused is Transient; a 429
// or 503 is Transient with the Retry-After of the answer; another 4xx is
// Permanent (the same payload fails the same way); another 5xx is
// Transient, since posting an alert again is harmless: Alertmanager
// merges alerts with the same labels.
type Alertmanager struct {
	cfg AlertmanagerConfig
	p   httpPost

	mu      sync.Mutex
	ongoing map[string]amAlert  // by fingerprint; firing Ongoing alerts
	pending map[string]amAlert  // by fingerprint; resolutions not yet posted
	names   map[string]heldName // by fingerprint; see keepName

	kick chan struct{} // asks the refresh goroutine to post pending now
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewAlertmanager returns the sink and starts its refresh goroutine, which
// Close stops. An invalid config is refused with an errctx error naming the
// field.
func NewAlertmanager(cfg AlertmanagerConfig) (*Alertmanager, error) {
	u, err := url.Parse(cfg.URL)
	if err := checkConfig("AlertmanagerConfig",
		rule{cfg.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "",
			"URL", "is not an http(s) URL", "set Alertmanager's base URL, such as http://127.0.0.1:9093"},
		notNegative("Refresh", cfg.Refresh),
		notNegative("Hold", cfg.Hold),
		notNegative("Timeout", cfg.Timeout),
		notNegative("MaxOngoing", cfg.MaxOngoing),
	); err != nil {
		return nil, err
	}
	cfg.Name = or(cfg.Name, "alertmanager")
	cfg.Refresh = or(cfg.Refresh, DefaultAlertmanagerRefresh)
	cfg.Hold = or(cfg.Hold, DefaultAlertmanagerHold)
	cfg.Timeout = or(cfg.Timeout, DefaultAlertmanagerTimeout)
	cfg.MaxOngoing = or(cfg.MaxOngoing, DefaultAlertmanagerMaxOngoing)
	client := cfg.Client
	if client == nil {
		client = defaultHTTPClient()
	}
	shown := strings.TrimRight(u.Redacted(), "/") // a password in the URL stays out of errors
	a := &Alertmanager{
		cfg: cfg,
		p: httpPost{client: client, endpoint: strings.TrimRight(cfg.URL, "/") + "/api/v2/alerts",
			shown: shown + "/api/v2/alerts", remedy: "check that Alertmanager runs and listens at " + shown},
		ongoing: make(map[string]amAlert),
		pending: make(map[string]amAlert),
		names:   make(map[string]heldName),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go a.refreshLoop()
	return a, nil
}

// Name returns the configured name, "alertmanager" by default.
func (a *Alertmanager) Name() string { return a.cfg.Name }

// Send posts ev as one alert and, for an Ongoing firing event, keeps it for
// refresh (even when this POST fails, so that the next refresh delivers
// it). A resolution that fails to post is posted again at each refresh
// until it is delivered.
func (a *Alertmanager) Send(ctx context.Context, ev Event) error {
	now := time.Now()
	al := a.toAlert(ev, now)
	key := al.Labels["fingerprint"]
	var tracked error
	resolving := false
	a.mu.Lock()
	a.keepName(&al, key, now)
	switch {
	case ev.Status == Resolved:
		resolving = a.stopRefresh(&al)
	case ev.Ongoing:
		delete(a.pending, key) // firing again: the older resolution is void
		if _, ok := a.ongoing[key]; ok || len(a.ongoing) < a.cfg.MaxOngoing {
			a.ongoing[key] = al
		} else {
			tracked = errctx.New("keep alert "+key+" firing in Alertmanager",
				errctx.WithClass(errctx.Permanent),
				errctx.Remedy("raise AlertmanagerConfig.MaxOngoing or resolve ongoing alerts"),
				errctx.Fields("max_ongoing", a.cfg.MaxOngoing))
		}
	}
	a.mu.Unlock()
	if err := a.p.post(ctx, []amAlert{al}); err != nil {
		if resolving {
			a.resolveLater(al)
		}
		return err
	}
	return tracked
}

// heldName is the alertname Alertmanager knows a fingerprint by, until the
// alert posted under it ends there.
type heldName struct {
	name  string
	until time.Time
}

// keepName gives al the alertname that its fingerprint key had in the last
// alert posted while that alert may still fire in Alertmanager, so that a
// summary that changes from one occurrence to the next (an error's text
// carrying an order ID) stays one alert there, notified once and resolved
// as one; the summary annotation still says what happened last. It keeps
// at most MaxOngoing names, forgetting those whose alert has ended. a.mu
// is held.
func (a *Alertmanager) keepName(al *amAlert, key string, now time.Time) {
	if a.cfg.AlertName != "" {
		return
	}
	if firing, ok := a.ongoing[key]; ok { // refreshed, so still firing there
		al.Labels["alertname"] = firing.Labels["alertname"]
	} else if held, ok := a.names[key]; ok && now.Before(held.until) {
		al.Labels["alertname"] = held.name
	}
	if len(a.names) >= a.cfg.MaxOngoing {
		for k, held := range a.names {
			if !now.Before(held.until) {
				delete(a.names, k)
			}
		}
	}
	if _, ok := a.names[key]; ok || len(a.names) < a.cfg.MaxOngoing {
		a.names[key] = heldName{name: al.Labels["alertname"], until: al.EndsAt}
	}
}

// stopRefresh, for the resolution al, stops refreshing the alert it
// resolves and gives al that alert's labels, so that Alertmanager resolves
// exactly the alert that fires. It reports whether the alert was being
// refreshed. a.mu is held.
func (a *Alertmanager) stopRefresh(al *amAlert) bool {
	key := al.Labels["fingerprint"]
	prev, ok := a.ongoing[key]
	if ok {
		al.Labels = prev.Labels
		delete(a.ongoing, key)
	}
	return ok
}

// resolveLater keeps the resolution al for the refresh goroutine to post,
// unless the alert fires again meanwhile.
func (a *Alertmanager) resolveLater(al amAlert) {
	key := al.Labels["fingerprint"]
	a.mu.Lock()
	if _, firing := a.ongoing[key]; !firing {
		a.pending[key] = al
	}
	a.mu.Unlock()
}

// resolveDropped is told by the Notifier's guard of a Resolved event it
// dropped (queue full, rate limit, breaker open, closed): the alert stops
// being refreshed at once, and the resolution is posted by the refresh
// goroutine, now and at each refresh until Alertmanager accepts it. It
// runs on the caller's goroutine and does not block.
func (a *Alertmanager) resolveDropped(ev Event) {
	// toAlert reads the alert's error, user code that may panic; the
	// alert then expires at the endsAt of its last refresh.
	defer func() { _ = recover() }()
	al := a.toAlert(ev, time.Now())
	a.mu.Lock()
	refreshed := a.stopRefresh(&al)
	if refreshed {
		a.pending[al.Labels["fingerprint"]] = al
	}
	a.mu.Unlock()
	if refreshed {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// Close stops the refresh goroutine and waits for it, cancelling a refresh
// in flight, and closes the idle connections of the sink's own client
// (not those of a Config.Client). The alerts it was refreshing expire in
// Alertmanager at their endsAt. Close is idempotent; Send still works after
// it, without refresh.
func (a *Alertmanager) Close() error {
	a.once.Do(func() { close(a.stop) })
	<-a.done
	if a.cfg.Client == nil {
		a.p.client.CloseIdleConnections()
	}
	return nil
}

// refreshLoop re-sends the firing Ongoing alerts every Refresh.
func (a *Alertmanager) refreshLoop() {
	defer close(a.done)
	t := time.NewTicker(a.cfg.Refresh)
	defer t.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-a.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			a.refresh(ctx)
		case <-a.kick:
			a.refresh(ctx)
		}
	}
}

// refresh posts every firing Ongoing alert with endsAt pushed ahead, and
// every pending resolution, in one request. A failure is left to the next
// refresh: the endsAt already sent covers several missed ones, and the
// resolutions stay pending.
func (a *Alertmanager) refresh(ctx context.Context) {
	endsAt := time.Now().Add(4 * a.cfg.Refresh)
	a.mu.Lock()
	batch := make([]amAlert, 0, len(a.ongoing)+len(a.pending))
	for _, al := range a.ongoing {
		al.EndsAt = endsAt
		batch = append(batch, al)
	}
	resolutions := len(batch)
	for _, al := range a.pending {
		batch = append(batch, al)
	}
	a.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	if a.p.post(ctx, batch) != nil {
		return
	}
	a.mu.Lock()
	for _, al := range batch[resolutions:] {
		key := al.Labels["fingerprint"]
		if a.pending[key].EndsAt.Equal(al.EndsAt) { // not replaced meanwhile
			delete(a.pending, key)
		}
	}
	a.mu.Unlock()
}

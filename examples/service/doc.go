// Command service is the vitals demo: an orders HTTP service that charges
// cards through a payments dependency which fails in bursts, sometimes times
// out and declines some cards. Run it and read its output top to bottom:
//
//	go run ./examples/service
//
// For about 20 seconds it sends itself orders, then prints a summary and
// exits. Along the way it shows, as JSON lines on stderr:
//
//   - one access record per request, with its request_id and the process
//     identity (service, version, host, pid and a random process ID);
//   - a declined card logged at INFO: a negative business outcome is an
//     answer, not a failure, and never trips the breaker;
//   - a timed-out charge logged as an error whose outcome is unknown, with
//     what was attempted and what to do about it (an errctx error);
//   - the payments outage tripping the breaker: one WARN record saying what
//     tripped it and when calls resume, then orders accepted at once with the
//     charge deferred instead of waiting on a dead dependency, then the
//     breaker going half-open and closing once payments is back;
//   - alerts, as records with alert=true: a page when the payments breaker
//     opens (payments is critical: orders go uncharged) and its resolution
//     when it closes, and a ticket for the one order paid with a gift card,
//     whose handler has a bug and panics (answered 500, the server keeps
//     serving); with -alertmanager they also go to Alertmanager;
//   - at the end, on stdout, a short summary: orders by status, the
//     breaker's transitions, and the stats sent to statsd and dropped
//     (with -metrics otel: the scrapes of /metrics and what otelstats
//     dropped).
//
// Stats go to statsd over UDP (STATSD_ADDR, else 127.0.0.1:8125) unless
// -metrics otel says otherwise. Nothing
// needs to listen there: stats the network refuses are dropped and counted,
// and the service never notices. The orders service also serves the
// breakers' status at /debug/breakers.
//
// Flags:
//
//	-serve          serve until interrupted instead of driving traffic
//	-listen addr    the orders address (default 127.0.0.1:8080 with -serve,
//	                a free loopback port otherwise)
//	-statsd addr    the statsd address (default $STATSD_ADDR or 127.0.0.1:8125)
//	-log-level lvl  debug, info, warn or error (default $VITALS_LOG_LEVEL or
//	                info); debug adds the payments server's own records and
//	                the outbound call records of the client transport
//	-duration d     how long to drive traffic (default 20s)
//	-metrics m      where stats go: statsd (the default, at -statsd), or
//	                otel: OpenTelemetry through stats/otelstats, served in
//	                Prometheus' text format at /metrics of the orders server
//	-alertmanager u send alerts to the Alertmanager at URL u as well, e.g.
//	                http://127.0.0.1:9093 (default: the log only)
//
// With -metrics otel, every stat (the middleware's, the payments breaker's)
// goes to an OTel MeterProvider whose Prometheus exporter serves /metrics:
// orders_http_server_requests_total{route,status},
// orders_http_server_duration_seconds, orders_breaker_payments_state and
// orders_breaker_payments_transitions_<state>_total among them. When
// something scrapes /metrics, a self-driven run waits for one more scrape
// (at most twice the scrape interval, and 10 s) before it stops serving,
// so that the last orders reach Prometheus. To watch it (scripts/prometheus
// scrapes 127.0.0.1:8080 every second):
//
//	scripts/prometheus start /tmp/vitals-prometheus
//	go run ./examples/service -serve -metrics otel
//	curl -s 'localhost:9090/api/v1/query?query=orders_http_server_requests_total'
//
// With -serve, place orders yourself:
//
//	curl -i -d '{"customer":"c-1","amount_cents":1250,"card":"4242424242424242"}' localhost:8080/orders
//	curl -i -d '{"customer":"c-1","amount_cents":1250,"card":"4000000000000002"}' localhost:8080/orders
//	curl -i -d '{"customer":"c-1","amount_cents":1250,"card":"gift-0001"}' localhost:8080/orders
//	curl localhost:8080/debug/breakers
//
// The files each hold one piece: main.go wires the service, payments.go is
// the fake dependency, orders.go the handler, gift.go its bug, alerting.go
// the alerts, metrics.go the choice of statsd or OpenTelemetry, drive.go the
// traffic, summary.go the closing report. The plumbing every example shares
// (flags, serving, pacing, the report's last lines) is in
// examples/internal/demo.
package main

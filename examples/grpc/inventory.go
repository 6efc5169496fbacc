package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/vitals-go/vitals/examples/internal/demo"
)

// Where in its period the inventory back end is down, as fractions of the
// period: every call fails with Unavailable, which trips the front's breaker.
// The breaker stays open for openShare of the period, so its probe meets a
// healthy back end.
const (
	outageFrom, outageTo = 0.30, 0.42
	openShare            = 0.15
)

// brokenSKU is the item whose record is corrupt: quoting it panics.
const brokenSKU = "sku-13"

// item is one catalogue record.
type item struct {
	price *price // nil for a corrupt record
	stock int
}

type price struct{ cents int64 }

// catalogue is the back end's data: twelve good items and one corrupt
// record, the kind of bad row a migration leaves behind.
var catalogue = func() map[string]item {
	c := map[string]item{brokenSKU: {stock: 3}}
	for i := 1; i <= 12; i++ {
		c[skuName(i)] = item{price: &price{cents: int64(250 * i)}, stock: 3 * i}
	}
	return c
}()

// skuName is the SKU of the i-th good item.
func skuName(i int) string { return "sku-" + strconv.Itoa(i) }

// inventory is the gRPC back end. It follows a schedule repeating every
// period, so that one run tells the whole story:
//
//   - from 30% to 42% of the period its database fails over: every call
//     fails with codes.Unavailable; on a machine too busy to make 5 calls in
//     that time it stays down until it has failed 5;
//   - quoting sku-13 dereferences its missing price and panics: the server
//     interceptor answers codes.Internal with the request ID only, logs the
//     panic once with its stack, and the server keeps serving;
//   - an unknown SKU is codes.NotFound, an answer logged at INFO;
//   - a quote that the stock does not cover is an answer too, logged at
//     INFO by the handler with the request ID it was called with.
type inventory struct {
	logger *slog.Logger
	outage *demo.Outage
}

// Quote implements inventoryServer.
func (s *inventory) Quote(ctx context.Context, req *quoteRequest) (*quoteReply, error) {
	if s.outage.Down(time.Now()) {
		return nil, status.Error(codes.Unavailable, "inventory database is failing over")
	}
	if req.Qty <= 0 {
		return nil, status.Error(codes.InvalidArgument, "qty must be positive")
	}
	it, ok := catalogue[req.SKU]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no item %q", req.SKU)
	}
	unit := it.price.cents // panics for the corrupt record
	reply := &quoteReply{SKU: req.SKU, Qty: req.Qty, UnitPriceCents: unit,
		TotalCents: unit * int64(req.Qty), InStock: req.Qty <= it.stock}
	if !reply.InStock {
		// ctx carries the request ID and method: the record says which
		// request asked.
		s.logger.InfoContext(ctx, "stock does not cover the quote", "sku", req.SKU, "qty", req.Qty, "stock", it.stock)
	}
	return reply, nil
}
